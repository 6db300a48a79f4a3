package dev.kvasir.eval.run;

import dev.kvasir.eval.task.PasskeyTask;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A data file or haystack a run read, named in {@code run.json} and in the report so that a
 * result can be traced to its inputs.
 *
 * @param role   {@code haystack} or {@code data}
 * @param path   as given (absolute paths are kept as they are: they are only a hint, the hash is the identity)
 * @param files  1 for a file; for a directory the {@code .txt} files a haystack reads
 * @param sha256 of a file, its bytes (what {@code sha256sum} prints); of a directory, each
 *               {@code .txt} file's name, a NUL byte and its bytes, in name order
 */
public record InputFile(String role, String path, int files, String sha256) {

    /** Hashes {@code path} (a file, or a haystack directory of {@code .txt} files). */
    public static InputFile of(String role, Path path) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<Path> files = Files.isDirectory(path) ? textFiles(path) : List.of(path);
            if (!Files.isDirectory(path) && !Files.isRegularFile(path)) throw new IllegalArgumentException(role + " not found: " + path);
            for (Path f : files) {
                if (Files.isDirectory(path)) {
                    sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 0);
                }
                try (InputStream in = Files.newInputStream(f)) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
                }
            }
            return new InputFile(role, path.toString(), files.size(), HexFormat.of().formatHex(sha.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + role + " " + path, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> textFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
    }

    /**
     * The inputs of a run's tasks, each once: the data file of file tasks, the haystack of the
     * others except passkey (whose filler is built in).
     */
    public static List<InputFile> of(List<TaskSpec> specs) {
        Map<String, InputFile> out = new LinkedHashMap<>();
        for (TaskSpec s : specs) {
            if (s.readsFile()) {
                if (s.data() != null) out.computeIfAbsent("data\0" + s.data(), k -> of("data", s.data()));
            } else if (s.haystack() != null && !(s.newTask() instanceof PasskeyTask)) {
                out.computeIfAbsent("haystack\0" + s.haystack(), k -> of("haystack", s.haystack()));
            }
        }
        return List.copyOf(out.values());
    }

    /** {@code role path (sha256 …)} for reports. */
    public String describe() {
        return role + " `" + path + "`" + (files > 1 ? " (" + files + " files)" : "") + ", sha256 `" + sha256 + "`";
    }
}
