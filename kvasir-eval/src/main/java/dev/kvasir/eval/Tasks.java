package dev.kvasir.eval;

import dev.kvasir.eval.task.FidelityTask;
import dev.kvasir.eval.task.NiahTask;
import dev.kvasir.eval.task.PasskeyTask;
import dev.kvasir.eval.task.RulerJsonlTask;
import dev.kvasir.eval.task.longbench.LongBenchDatasets;
import dev.kvasir.eval.task.longbench.LongBenchTask;
import dev.kvasir.eval.task.ruler.RulerTask;

import java.util.ArrayList;
import java.util.List;

/** Tasks by name, for command lines and configuration files. */
public final class Tasks {
    private Tasks() {}

    /**
     * {@code passkey}, {@code niah}, a RULER synthetic task ({@code niah_single_1} ... {@code fwe}),
     * {@code ruler-jsonl}, {@code longbench} (dataset read from the file), {@code fidelity}, or a LongBench dataset
     * name ({@code multi_news}, {@code hotpotqa_e}, ...) for a reader reporting under that name.
     */
    public static Task byName(String name) {
        return switch (name) {
            case PasskeyTask.NAME -> new PasskeyTask();
            case NiahTask.NAME -> new NiahTask();
            case RulerJsonlTask.NAME -> new RulerJsonlTask();
            case LongBenchTask.NAME -> new LongBenchTask();
            case FidelityTask.NAME -> new FidelityTask();
            default -> {
                if (RulerTask.names().contains(name)) yield RulerTask.named(name);
                try {
                    LongBenchDatasets.spec(name);
                    yield new LongBenchTask(name);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown task '" + name + "'; known: " + names());
                }
            }
        };
    }

    public static List<String> names() {
        List<String> out = new ArrayList<>(List.of(PasskeyTask.NAME, NiahTask.NAME, RulerJsonlTask.NAME, LongBenchTask.NAME, FidelityTask.NAME));
        out.addAll(RulerTask.names());
        out.addAll(LongBenchDatasets.names());
        return out;
    }
}
