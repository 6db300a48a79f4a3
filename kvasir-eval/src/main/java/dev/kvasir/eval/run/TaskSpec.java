package dev.kvasir.eval.run;

import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.Tasks;
import dev.kvasir.eval.task.FidelityTask;
import dev.kvasir.eval.task.PasskeyTask;
import dev.kvasir.eval.task.RulerJsonlTask;
import dev.kvasir.eval.task.longbench.LongBenchTask;
import dev.kvasir.eval.task.ruler.RulerTask;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One task of a run and how to build its samples.
 *
 * @param task         a name known to {@link Tasks}
 * @param lengths      target context lengths in tokens (generated tasks)
 * @param depths       needle depths (passkey, niah)
 * @param samples      total samples (0: the task's default, one per point for generated tasks,
 *                     every row for file readers); generated tasks draw
 *                     {@code ⌈samples / points⌉} per point, points being lengths × depths for
 *                     passkey and lengths for RULER, then keep the first {@code samples}
 * @param haystack     essay corpus for niah and RULER's essay variants
 * @param data         jsonl file for LongBench datasets and ruler-jsonl
 * @param seed         base seed of generated tasks
 * @param maxNewTokens cap on each sample's generation limit (0: the task's own limit)
 * @param maxContext   prompt plus generation must fit this many tokens, longer contexts are
 *                     middle-truncated (0: the run's limit, by default the model's window)
 * @param options      task options (needle, question, ...; see each task)
 */
public record TaskSpec(String task, List<Integer> lengths, List<Double> depths, int samples, Path haystack, Path data,
                       long seed, int maxNewTokens, int maxContext, Map<String, String> options) {

    public TaskSpec {
        Tasks.byName(task); // unknown names fail here, with the list of known ones
        lengths = List.copyOf(lengths);
        depths = List.copyOf(depths);
        options = Map.copyOf(options);
        if (samples < 0) throw new IllegalArgumentException("--samples must be >= 0");
        if (maxNewTokens < 0) throw new IllegalArgumentException("--max-new-tokens must be >= 0");
        if (maxContext < 0) throw new IllegalArgumentException("--max-context must be >= 0");
    }

    public Task newTask() {
        return Tasks.byName(task);
    }

    /** Whether the task reads its samples from a file rather than generating them. */
    public boolean readsFile() {
        Task t = newTask();
        return t instanceof LongBenchTask || t instanceof RulerJsonlTask;
    }

    /** The task's configuration; {@code reserveTokens} leaves room for what the runner adds (template, BOS). */
    public TaskConfig config(Tokenizer tokenizer, int reserveTokens) {
        int points = switch (newTask()) {
            case PasskeyTask p -> lengths.size() * depths.size();
            case RulerTask r -> lengths.size();
            case FidelityTask f -> lengths.size();
            default -> 1;
        };
        int perPoint = samples > 0 ? Math.max(1, (samples + points - 1) / points) : 1;
        // fidelity reads its text from --data (LongBench contexts) when given, else from the haystack
        Path textSource = readsFile() || (newTask() instanceof FidelityTask && data != null) ? data : haystack;
        return TaskConfig.builder().tokenizer(tokenizer).seed(seed).contextLengths(lengths).depths(depths)
                .samplesPerPoint(perPoint).dataPath(textSource).limit(samples)
                .reserveTokens(readsFile() ? 0 : reserveTokens).options(options).build();
    }
}
