package dev.kvasir.cli;

import dev.kvasir.core.fetch.ModelCache;
import dev.kvasir.core.fetch.ModelFetcher;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.util.Parallel;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Options shared by every command that runs a model. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, description = "GGUF file or Hugging Face directory (default: SmolLM2-135M-Instruct Q4_1, "
            + "fetched into the model cache on first use).")
    Path model;

    @Option(names = {"-t", "--threads"}, description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--kv-precision", defaultValue = "f32", description = "KV cache storage: f32, f16 or bf16 (default ${DEFAULT-VALUE}).")
    String kvPrecision;

    int threads() {
        int t = threads == null ? Parallel.defaultThreads() : threads;
        if (t < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + t);
        return t;
    }

    KvPrecision kvPrecision() {
        return KvPrecision.parse(kvPrecision);
    }

    Path resolve(boolean progress) throws IOException {
        if (model != null) return model;
        ProgressBar bar = new ProgressBar(System.err, progress);
        return new ModelFetcher(bar::update).ensureDefaultModel();
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

    static Path defaultModel() {
        return ModelCache.defaultModelPath();
    }
}
