package dev.kvasir.cli;

import dev.kvasir.core.model.Model;
import dev.kvasir.eval.run.BudgetSpec;
import dev.kvasir.eval.run.ChatMode;
import dev.kvasir.eval.run.Configuration;
import dev.kvasir.eval.run.EvalRunner;
import dev.kvasir.eval.run.MethodSpec;
import dev.kvasir.eval.run.Preset;
import dev.kvasir.eval.run.Presets;
import dev.kvasir.eval.run.QueryMode;
import dev.kvasir.eval.run.Shard;
import dev.kvasir.eval.run.TaskSpec;
import dev.kvasir.eval.task.FidelityTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates KV compression methods on long-context tasks: one result row per (sample, method, budget) "
                + "in OUT/results-<task>.jsonl, then a report (Markdown, CSV, JSON, PNG figures, HTML) in OUT.",
                "Each sample is prefilled once; every (method, budget) compresses a copy of its cache. "
                        + "Re-running with the same --out resumes."})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--preset", description = "A paper's comparison: kvmerger-paper, dynamickv-paper (or demo). Fixes tasks, methods and budgets.")
    String preset;

    @Option(names = "--task", split = ",", description = "Task(s): passkey, niah, a RULER task (niah_single_1, ..., vt, cwe, fwe), "
            + "ruler-jsonl, a LongBench dataset (multi_news, ...), longbench, or fidelity (NLL, KL and top-1 agreement of a "
            + "compressed cache against the full one over a teacher-forced continuation).")
    List<String> tasks;

    @Option(names = "--lengths", split = ",", defaultValue = "2048", description = "Context lengths in tokens (default ${DEFAULT-VALUE}).")
    List<Integer> lengths;

    @Option(names = "--depths", split = ",", defaultValue = "0,0.25,0.5,0.75,1", description = "Needle depths (default ${DEFAULT-VALUE}).")
    List<Double> depths;

    @Option(names = "--haystack", description = "Essay directory or text file for niah and RULER essay tasks "
            + "(default: $KVASIR_HAYSTACK or ../shared/data/haystack/paul_graham_essays).")
    Path haystack;

    @Option(names = "--data", description = "jsonl file for LongBench datasets and ruler-jsonl (with a preset: the LongBench multi_news file).")
    Path data;

    @Option(names = "--needle", description = "Custom needle sentence (niah); score with --task-opt expected=... or keywords=a|b.")
    String needle;

    @Option(names = "--task-opt", description = "Task option key=value (repeatable): question, answerPrefix, expected, keywords, wrapper, metric (niah: keywords, rouge1-f, rouge1-recall, exact; passkey: contains, exact), ...")
    List<String> taskOpts;

    @Option(names = "--continuation", description = "fidelity: tokens teacher-forced and scored after each --lengths prefix "
            + "(default 256); also --task-opt buckets=N position buckets (default 4).")
    Integer continuation;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of generated tasks (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--samples", defaultValue = "0", description = "Samples per task (0: one per length and depth, or every row of a file).")
    int samples;

    @Option(names = "--presses", split = ",", defaultValue = "full", description = "Methods to compare, full included for %% of full "
            + "(default ${DEFAULT-VALUE}): full (or none), kvmerger, dynamickv, h2o, snapkv, pyramidkv, streaming-llm, cam, adakv, tova, knorm, random, dynamickv-merge; "
            + "a variant is written method:key=value,key=value; rows are labelled with every option that departs from the paper (kvmerger,kvmerger:heavy-score=window compares the paper's KVMerger with Kvasir's variant).")
    List<String> presses;

    @Option(names = "--budgets", split = ",", description = "Budgets as fractions of the KV cache kept, e.g. 0.5,0.35.")
    List<Double> budgets;

    @Option(names = "--budget-tokens", split = ",", description = "Budgets as tokens kept per layer and KV head, window included, e.g. 64,128,256,512.")
    List<Integer> budgetTokens;

    @Option(names = "--press-opt", description = "Method option method.key=value (repeatable), e.g. snapkv.window=32.")
    List<String> pressOpts;

    @Option(names = "--query-mode", defaultValue = "aware", description = "aware: the question is compressed with the context "
            + "(the papers' setting, default); agnostic: compress the context, then append the question (kvpress).")
    String queryMode;

    @Option(names = "--chat", negatable = true, description = "Use the model's chat template (default: when the model has one; "
            + "LongBench's few-shot tasks never do).")
    Boolean chat;

    @Option(names = "--max-context", defaultValue = "0", description = "Prompt plus generation limit in tokens; longer contexts are "
            + "middle-truncated as LongBench does (default: the model's window).")
    int maxContext;

    @Option(names = "--max-new-tokens", defaultValue = "0", description = "Cap on generated tokens per sample (default: the task's limit).")
    int maxNewTokens;

    @Option(names = "--shard", description = "Run the i-th of N slices of the samples (0-based i/N); each shard writes its own file. "
            + "auto: from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with KVASIR_SHARD_COUNT) or a Slurm array (SLURM_ARRAY_TASK_*); see docs/deploy.")
    String shard;

    @Option(names = "--out", description = "Results and report directory (default: results/<preset or task>).")
    Path out;

    @Option(names = "--max-rows", defaultValue = "0", description = "Stop after this many new rows (0: all); re-run to continue.")
    int maxRows;

    @Option(names = "--no-report", description = "Do not write the report at the end.")
    boolean noReport;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Preset p = preset == null ? null : Presets.byName(preset);
        if (p == null && (tasks == null || tasks.isEmpty())) throw new IllegalArgumentException("give --task T (or --preset P)");
        if (p != null && tasks != null) throw new IllegalArgumentException("--preset fixes the tasks: drop --task");
        if (continuation != null && (tasks == null || tasks.stream().noneMatch(t -> t.trim().equals(FidelityTask.NAME)))) {
            throw new IllegalArgumentException("--continuation applies to --task " + FidelityTask.NAME + " only");
        }
        Path hay = EvalSession.haystack(haystack);
        List<TaskSpec> specs = p != null ? null : taskSpecs(hay);
        List<MethodSpec> methods = p != null ? p.methods() : MethodSpec.parse(presses, pressOpts == null ? List.of() : pressOpts);
        List<BudgetSpec> budgetList = p != null ? p.budgets() : budgetSpecs();
        Configuration.grid(methods, budgetList); // a method without a budget fails here, before the model loads
        String title = "Kvasir evaluation: " + (tasks == null ? "" : String.join(", ", tasks));
        Path dir = out != null ? out : Path.of("results", p != null ? p.name() : String.join("+", tasks));
        if (p != null && data == null && !p.skippedWithoutData().isEmpty()) {
            System.err.println("note: " + String.join(", ", p.skippedWithoutData()) + " skipped: give --data FILE (e.g. the LongBench jsonl)");
        }
        EvalRunner.Settings settings = new EvalRunner.Settings(methods, budgetList, QueryMode.parse(queryMode),
                chat == null ? ChatMode.AUTO : chat ? ChatMode.ON : ChatMode.OFF, maxContext, shard == null ? Shard.ALL : Shard.parse(shard),
                maxRows);
        try (Model model = modelOptions.load(!noProgress)) {
            if (p != null) {
                // a preset's tasks suit the model's window: 4k-16k contexts on a 32k model, shorter on SmolLM2's 8k
                p = Presets.byName(p.name(), model.config().contextLength());
                specs = p.specs(hay, data, seed);
                title = p.title();
            }
            int written = EvalSession.run(model, modelOptions, settings, specs, dir, title, p == null ? null : p.name(), !noProgress);
            System.err.printf(Locale.ROOT, "%d rows written to %s in %s%n", written, dir,
                    dev.kvasir.eval.run.ConsoleProgress.duration((System.nanoTime() - t0) / 1e9));
        }
        if (!noReport) EvalSession.report(dir, System.out);
        return 0;
    }

    private List<TaskSpec> taskSpecs(Path hay) {
        Map<String, String> opts = new LinkedHashMap<>();
        if (needle != null) opts.put("needle", needle);
        if (continuation != null) opts.put(FidelityTask.CONTINUATION, String.valueOf(continuation));
        for (String kv : taskOpts == null ? List.<String>of() : taskOpts) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--task-opt takes key=value, got '" + kv + "'");
            opts.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        List<TaskSpec> out = new ArrayList<>();
        for (String t : tasks) out.add(new TaskSpec(t.trim(), lengths, depths, samples, hay, data, seed, maxNewTokens, 0, opts));
        return out;
    }

    private List<BudgetSpec> budgetSpecs() {
        List<BudgetSpec> out = new ArrayList<>();
        if (budgets != null) budgets.forEach(b -> out.add(BudgetSpec.fraction(b)));
        if (budgetTokens != null) budgetTokens.forEach(b -> out.add(BudgetSpec.tokens(b)));
        return out;
    }
}
