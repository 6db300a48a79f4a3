package dev.kvasir.eval.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code run.json} in a results directory: what every row there was produced with. Result rows
 * do not name the model or the prompt format, so a directory must hold one of each; resuming
 * with another model or query mode is refused instead of mixing incomparable rows. The inputs
 * (haystack, data files) are named with their hash; a run that finds a named file changed is
 * refused too.
 *
 * @param title     report heading
 * @param preset    the {@link Presets preset} run, whose claims the report tests; null for a run of chosen tasks
 * @param model     model name
 * @param queryMode {@link QueryMode#label()}
 * @param chat      {@link ChatMode} name
 * @param inputs    haystack and data files read, with their SHA-256 (empty in manifests written before they were recorded)
 */
public record RunManifest(String title, String preset, String model, String queryMode, String chat, List<InputFile> inputs) {
    public static final String FILE = "run.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).enable(SerializationFeature.INDENT_OUTPUT);

    public RunManifest {
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }

    /** The manifest of {@code dir}, or null when it has none. */
    public static RunManifest read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        return Files.isRegularFile(f) ? JSON.readValue(f.toFile(), RunManifest.class) : null;
    }

    /**
     * Writes this manifest, or checks that the directory's matches it (the title may change) and
     * adds the inputs it does not name yet: shards and resumed runs that read other files keep
     * the list of everything the directory's rows were made from.
     */
    public void ensure(Path dir) throws IOException {
        RunManifest existing = read(dir);
        RunManifest merged = this;
        if (existing != null) {
            if (!existing.model.equals(model) || !existing.queryMode.equals(queryMode) || !existing.chat.equals(chat)) {
                throw new IllegalArgumentException(dir + " holds results of " + existing.describe() + ", not " + describe()
                        + ": use another --out directory");
            }
            List<InputFile> all = new ArrayList<>(existing.inputs);
            for (InputFile in : inputs) {
                for (InputFile old : existing.inputs) {
                    if (old.role().equals(in.role()) && old.path().equals(in.path()) && !old.sha256().equals(in.sha256())) {
                        throw new IllegalArgumentException(in.role() + " " + in.path() + " changed since " + dir + " was written (sha256 "
                                + old.sha256() + ", now " + in.sha256() + "): use another --out directory");
                    }
                }
                if (all.stream().noneMatch(o -> o.role().equals(in.role()) && o.sha256().equals(in.sha256()))) all.add(in);
            }
            if (existing.preset != null && preset != null && !existing.preset.equals(preset)) {
                throw new IllegalArgumentException(dir + " holds results of preset " + existing.preset + ", not " + preset
                        + ": use another --out directory");
            }
            merged = new RunManifest(title, preset != null ? preset : existing.preset, model, queryMode, chat, all);
            if (existing.equals(merged)) return;
        }
        Files.createDirectories(dir);
        // shards on several machines write the same file on a shared volume: whole or not at all
        Path tmp = Files.createTempFile(dir, FILE, ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), merged);
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private String describe() {
        return model + " (query-" + queryMode + ", chat " + chat.toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
