package dev.kvasir.cli;

import dev.kvasir.core.fetch.ModelFetcher;
import dev.kvasir.core.fetch.ModelRegistry;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.util.Parallel;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Options shared by every command that runs a model. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, description = "A model name (see 'kvasir models'; fetched into the model cache on first use), "
            + "a GGUF file or a Hugging Face directory (default: smollm2-135m, SmolLM2-135M-Instruct Q4_1).")
    String model;

    @Option(names = {"-t", "--threads"}, description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--kv-precision", defaultValue = "f16", description = "KV cache storage of keys and values: f32, f16, bf16, "
            + "q8 (8-bit blocks of 32 with an F16 scale, as llama.cpp's q8_0), q4 (4-bit blocks, as q4_0), kivi4 or kivi2 "
            + "(KIVI: 4- or 2-bit codes with an F16 scale and zero point, keys per channel over 32 tokens, values per token over 32 "
            + "channels, the last tokens short of a group kept in F16) (default ${DEFAULT-VALUE}).")
    String kvPrecision;

    @Option(names = "--kv-precision-k", description = "KV cache storage of the keys alone (overrides --kv-precision for keys).")
    String kvPrecisionKeys;

    @Option(names = "--kv-precision-v", description = "KV cache storage of the values alone (overrides --kv-precision for values).")
    String kvPrecisionValues;

    int threads() {
        int t = threads == null ? Parallel.defaultThreads() : threads;
        if (t < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + t);
        return t;
    }

    /** The keys' precision. */
    KvPrecision kvPrecision() {
        return KvPrecision.parse(kvPrecisionKeys != null ? kvPrecisionKeys : kvPrecision);
    }

    KvPrecision kvPrecisionValues() {
        return KvPrecision.parse(kvPrecisionValues != null ? kvPrecisionValues : kvPrecision);
    }

    /** "q8", or "k=q8,v=f16" when keys and values differ. */
    String kvPrecisionLabel() {
        return dev.kvasir.core.kv.KvCache.label(kvPrecision(), kvPrecisionValues());
    }

    Path resolve(boolean progress) throws IOException {
        return resolve(model, progress);
    }

    /**
     * A registered model's name resolves to its file in the cache (pulled on first use); anything
     * else is a path, which must exist.
     */
    static Path resolve(String model, boolean progress) throws IOException {
        String name = model == null ? ModelRegistry.defaultModel().name() : model;
        var registered = ModelRegistry.find(name);
        if (registered.isPresent()) {
            ProgressBar bar = new ProgressBar(System.err, progress);
            return new ModelFetcher(bar::update).ensure(registered.get());
        }
        Path path = Path.of(model);
        if (Files.exists(path)) return path;
        throw new IllegalArgumentException("unknown model '" + model + "': neither a known model name ("
                + String.join(", ", ModelRegistry.names()) + ") nor an existing file or directory");
    }

    Model load(boolean progress) throws IOException {
        Path p = resolve(progress);
        long t0 = System.nanoTime();
        Model m = Model.load(p);
        if (progress && System.getenv("KVASIR_QUIET") == null) {
            System.err.printf("loaded %s (%s, %d layers) in %.0f ms%n", m.name(), p.getFileName(), m.config().layers(),
                    (System.nanoTime() - t0) / 1e6);
        }
        return m;
    }

}
