package dev.kvasir.cli;

import dev.kvasir.core.model.Model;
import dev.kvasir.eval.run.ChatMode;
import dev.kvasir.eval.run.ConsoleProgress;
import dev.kvasir.eval.run.EvalRunner;
import dev.kvasir.eval.run.Preset;
import dev.kvasir.eval.run.Presets;
import dev.kvasir.eval.run.QueryMode;
import dev.kvasir.eval.run.Shard;
import dev.kvasir.eval.run.TaskSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job in one command: a needle-in-a-haystack test at 2k and 4k tokens and three depths, "
                + "with the full KV cache and with KVMerger, DynamicKV, H2O and SnapKV keeping 35 %% of it.",
                "Prints the comparison table and where the heatmaps and the HTML report are. A few minutes on two cores; "
                        + "re-running with the same --out reuses what is done."})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--out", defaultValue = "kvasir-demo", description = "Results and report directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--haystack", description = "Essay directory or text file (default: $KVASIR_HAYSTACK or ../shared/data/haystack/paul_graham_essays, "
            + "else a generated filler text).")
    Path haystack;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Preset p = Presets.demo();
        Path hay = EvalSession.haystack(haystack);
        if (hay == null) {
            hay = fillerHaystack(out);
            System.err.println("note: no essay haystack found (--haystack DIR or $KVASIR_HAYSTACK); using generated filler text, "
                    + "which makes the needle easier to spot");
        }
        List<TaskSpec> specs = p.specs(hay, null, 42);
        EvalRunner.Settings settings = new EvalRunner.Settings(p.methods(), p.budgets(), QueryMode.AWARE, ChatMode.AUTO, 0, Shard.ALL, 0);
        try (Model model = modelOptions.load(!noProgress)) {
            EvalSession.run(model, modelOptions, settings, specs, out, p.title(), p.name(), !noProgress);
        }
        System.out.println();
        EvalSession.report(out, System.out);
        System.err.printf(Locale.ROOT, "demo finished in %s%n", ConsoleProgress.duration((System.nanoTime() - t0) / 1e9));
        return 0;
    }

    /** Varied, public-domain-free filler: numbered sentences, so that the haystack does not repeat verbatim. */
    private static Path fillerHaystack(Path dir) throws IOException {
        String[] subjects = {"The river", "A small town", "The old library", "Every winter", "The market square", "A quiet road"};
        String[] verbs = {"changes slowly", "keeps its secrets", "welcomes travellers", "grows a little", "stays calm", "wakes early"};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            b.append(subjects[i % subjects.length]).append(' ').append(verbs[(i / subjects.length) % verbs.length])
                    .append(" in chapter ").append(i / 12 + 1).append(". ");
            if (i % 12 == 11) b.append("\n\n");
        }
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("filler-haystack.txt"), b.toString(), StandardCharsets.UTF_8);
    }
}
