package dev.kvasir.eval.run;

import dev.kvasir.eval.report.Claim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A named evaluation: tasks, methods, budgets and limits fixed, so that a comparison from a
 * paper is one command. Paths to data (haystack, LongBench file) are supplied at run time.
 *
 * @param name       {@code --preset} value
 * @param title      report heading
 * @param tasks      the tasks and their sizes
 * @param methods    compared methods, {@code full} first
 * @param budgets    budgets of every compressing method
 * @param claims     the paper's claims the report tests against the rows (see {@link Claim})
 */
public record Preset(String name, String title, List<Item> tasks, List<MethodSpec> methods, List<BudgetSpec> budgets,
                     List<Claim> claims) {

    /**
     * One task of a preset.
     *
     * @param needsData    a file task, run only when a data file is given (LongBench)
     * @param maxNewTokens cap on generation (0: the task's own), to keep long-output tasks affordable
     * @param maxContext   prompt plus generation limit, LongBench's truncation length (0: the model's window)
     */
    public record Item(String task, List<Integer> lengths, List<Double> depths, int samples, int maxNewTokens, int maxContext,
                       boolean needsData) {
        public TaskSpec spec(Path haystack, Path data, long seed) {
            // a preset's fidelity reads the haystack: its data file (LongBench) has few contexts as long as 8k or 16k
            Path source = task.equals("fidelity") ? null : data;
            return new TaskSpec(task, lengths, depths, samples, haystack, source, seed, maxNewTokens, maxContext, Map.of());
        }
    }

    public Preset {
        tasks = List.copyOf(tasks);
        methods = List.copyOf(methods);
        budgets = List.copyOf(budgets);
        claims = List.copyOf(claims);
    }

    /** The preset's tasks with their data; file tasks are left out when {@code data} is null. */
    public List<TaskSpec> specs(Path haystack, Path data, long seed) {
        List<TaskSpec> out = new ArrayList<>();
        for (Item i : tasks) {
            if (i.needsData() && data == null) continue;
            out.add(i.spec(haystack, data, seed));
        }
        return out;
    }

    /** Names of the file tasks skipped without data. */
    public List<String> skippedWithoutData() {
        return tasks.stream().filter(Item::needsData).map(Item::task).toList();
    }
}
