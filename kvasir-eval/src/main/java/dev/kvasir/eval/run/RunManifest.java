package dev.kvasir.eval.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code run.json} in a results directory: what every row there was produced with. Result rows
 * do not name the model or the prompt format, so a directory must hold one of each; resuming
 * with another model or query mode is refused instead of mixing incomparable rows.
 *
 * @param title     report heading
 * @param model     model name
 * @param queryMode {@link QueryMode#label()}
 * @param chat      {@link ChatMode} name
 */
public record RunManifest(String title, String model, String queryMode, String chat) {
    public static final String FILE = "run.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).enable(SerializationFeature.INDENT_OUTPUT);

    /** The manifest of {@code dir}, or null when it has none. */
    public static RunManifest read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        return Files.isRegularFile(f) ? JSON.readValue(f.toFile(), RunManifest.class) : null;
    }

    /** Writes this manifest, or checks that the directory's matches it (the title may change). */
    public void ensure(Path dir) throws IOException {
        RunManifest existing = read(dir);
        if (existing != null) {
            if (!existing.model.equals(model) || !existing.queryMode.equals(queryMode) || !existing.chat.equals(chat)) {
                throw new IllegalArgumentException(dir + " holds results of " + existing.describe() + ", not " + describe()
                        + ": use another --out directory");
            }
            if (existing.equals(this)) return;
        }
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve(FILE).toFile(), this);
    }

    private String describe() {
        return model + " (query-" + queryMode + ", chat " + chat.toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
