package dev.kvasir.cli;

import dev.kvasir.core.fetch.ModelCache;
import dev.kvasir.core.fetch.ModelFetcher;
import dev.kvasir.core.fetch.ModelRegistry;
import dev.kvasir.core.fetch.RegisteredModel;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kvasir models}: the models that {@code --model NAME} and {@code kvasir pull NAME} know. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"Lists the models known by name: size, context window, whether they are in the model cache, and where.",
                "Use a name with --model NAME (pulled on first use) or 'kvasir pull NAME'."})
final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
        print(System.out);
        return 0;
    }

    static void print(PrintStream out) throws IOException {
        String format = "%-20s %10s %8s %-10s %s%n";
        out.printf(format, "name", "size", "window", "cached", "path");
        for (RegisteredModel m : ModelRegistry.all()) {
            Path p = ModelFetcher.cachedPath(m);
            out.printf(format, m.name(), String.format("%.1f MB", m.size() / 1e6), m.contextWindow(), cachedState(m, p), p);
        }
        out.println("model cache: " + ModelCache.directory() + " ($KVASIR_MODELS)");
    }

    /** "yes", "no", or "wrong size" for a file of the wrong size (which {@code --model NAME} refuses). */
    private static String cachedState(RegisteredModel m, Path p) throws IOException {
        if (!Files.isRegularFile(p)) return "no";
        return Files.size(p) == m.size() ? "yes" : "wrong size";
    }
}
