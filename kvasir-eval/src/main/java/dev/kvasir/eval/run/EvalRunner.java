package dev.kvasir.eval.run;

import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.model.Model;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.task.FidelityTask;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs tasks under a grid of (method, budget) configurations and appends one result row per
 * (sample, configuration) to {@code results-<task>[-shardIofN].jsonl} in the output directory,
 * flushed as it goes. Each sample is prefilled once for all configurations
 * ({@link SharedPrefill}); rows already in the directory are skipped, so an interrupted run
 * resumes where it stopped.
 */
public final class EvalRunner {
    /**
     * @param methods    methods to compare ({@code full} is the baseline)
     * @param budgets    budgets for every compressing method
     * @param queryMode  where the question sits relative to compression
     * @param chatMode   chat template use
     * @param maxContext prompt plus generation limit in tokens (0: the model's window)
     * @param shard      the slice of samples this machine runs
     * @param rowLimit   stop after this many new rows (0: no limit), e.g. to split a long run
     */
    public record Settings(List<MethodSpec> methods, List<BudgetSpec> budgets, QueryMode queryMode, ChatMode chatMode,
                           int maxContext, Shard shard, int rowLimit) {
        public Settings {
            methods = List.copyOf(methods);
            budgets = List.copyOf(budgets);
            if (maxContext < 0 || rowLimit < 0) throw new IllegalArgumentException("limits must be >= 0");
        }
    }

    private final Model model;
    private final Generator generator;
    private final Settings settings;
    private final RunProgress progress;
    private int rowsWritten;

    public EvalRunner(Model model, Generator generator, Settings settings, RunProgress progress) {
        if (generator.options().press() != null) {
            throw new IllegalArgumentException("the runner's generator must have no press of its own: configurations bring theirs");
        }
        this.model = model;
        this.generator = generator;
        this.settings = settings;
        this.progress = progress;
    }

    /** Prompts for a task: its own context limit, else the run's, never more than the model's window. */
    private PromptBuilder prompts(TaskSpec spec) {
        int window = model.config().contextLength();
        int limit = spec.maxContext() > 0 ? spec.maxContext() : settings.maxContext() > 0 ? settings.maxContext() : window;
        return new PromptBuilder(model.tokenizer(), model.chatTemplate().orElse(null), settings.chatMode(), settings.queryMode(),
                Math.min(limit, window));
    }

    /** Rows written by this runner so far, over all tasks. */
    public int rowsWritten() {
        return rowsWritten;
    }

    public boolean rowLimitReached() {
        return settings.rowLimit() > 0 && rowsWritten >= settings.rowLimit();
    }

    /** Runs one task into {@code outDir}; returns the rows written. */
    public int run(TaskSpec spec, Path outDir) throws IOException {
        Task task = spec.newTask();
        PromptBuilder prompts = prompts(spec);
        List<EvalSample> samples = settings.shard().select(task.samples(spec.config(model.tokenizer(), reserveTokens(prompts))));
        List<SharedPrefill.Planned> plans = new ArrayList<>();
        for (Configuration c : Configuration.grid(settings.methods(), settings.budgets())) {
            plans.add(new SharedPrefill.Planned(c, c.method().newPress()));
        }
        String fileName = "results-" + task.name().replaceAll("[^A-Za-z0-9_.-]", "_") + settings.shard().fileSuffix() + ".jsonl";
        int before = rowsWritten;
        try (ResultsLog log = ResultsLog.open(outDir, fileName)) {
            if (log.repairedBytes() > 0) {
                progress.note("resuming " + log.file() + ": dropped an unfinished last line (" + log.repairedBytes() + " bytes)");
            }
            Map<EvalSample, List<SharedPrefill.Planned>> todo = new LinkedHashMap<>();
            int rowsToDo = 0;
            for (EvalSample s : samples) {
                List<SharedPrefill.Planned> pending = plans.stream().filter(p -> !log.isDone(key(task, s, p))).toList();
                if (!pending.isEmpty()) todo.put(s, pending);
                rowsToDo += pending.size();
            }
            progress.taskStarted(task.name(), samples.size(), rowsToDo, samples.size() * plans.size() - rowsToDo);
            for (Map.Entry<EvalSample, List<SharedPrefill.Planned>> e : todo.entrySet()) {
                if (rowLimitReached()) break;
                if (task instanceof FidelityTask) runFidelitySample(task.name(), e.getKey(), e.getValue(), log);
                else runSample(task.name(), prompts, cap(e.getKey(), spec.maxNewTokens()), e.getValue(), log);
            }
        }
        progress.taskFinished(task.name(), rowsWritten - before);
        return rowsWritten - before;
    }

    private void runSample(String task, PromptBuilder prompts, EvalSample sample, List<SharedPrefill.Planned> pending, ResultsLog log)
            throws IOException {
        if (settings.rowLimit() > 0) pending = pending.subList(0, Math.min(pending.size(), settings.rowLimit() - rowsWritten));
        // fresh presses: a press carries per-sequence decode state, and no sample should see another's
        pending = pending.stream().map(p -> new SharedPrefill.Planned(p.configuration(), p.configuration().method().newPress())).toList();
        PromptBuilder.Prompt prompt = prompts.build(sample);
        if (prompt.truncated()) progress.note(sample.id() + ": middle-truncated to " + prompt.totalTokens() + " prompt tokens");
        List<String> stops = Boolean.TRUE.equals(sample.meta(EvalSample.STOP_AT_NEWLINE, Boolean.FALSE)) ? List.of("\n") : List.of();
        int total = prompt.prefill().length;
        generator.onPrefillProgress(done -> progress.prefill(sample.id(), Math.min(done, total), total));
        SharedPrefill.run(generator, prompt, sample.maxNewTokens(), stops, pending, SharedPrefill.Decode.BATCHED, o -> {
            ResultRow row = ResultRows.of(task, sample, o, settings.queryMode());
            log.append(row);
            rowsWritten++;
            progress.rowWritten(row, o.planned().configuration().label());
        });
    }

    /**
     * A fidelity sample: the text as the model reads it (BOS, no chat template: a continuation of
     * plain text), its first L tokens prefilled and compressed, the next C + 1 teacher-forced.
     */
    private void runFidelitySample(String task, EvalSample sample, List<SharedPrefill.Planned> pending, ResultsLog log) throws IOException {
        if (settings.rowLimit() > 0) pending = pending.subList(0, Math.min(pending.size(), settings.rowLimit() - rowsWritten));
        pending = pending.stream().map(p -> new SharedPrefill.Planned(p.configuration(), p.configuration().method().newPress())).toList();
        int length = sample.meta(EvalSample.LENGTH, 0);
        int continuation = sample.meta(FidelityTask.CONTINUATION, FidelityTask.DEFAULT_CONTINUATION);
        int[] ids = model.tokenizer().encode(sample.context(), model.tokenizer().addBosByDefault(), false);
        if (ids.length < length + continuation + 1) {
            throw new IllegalStateException(sample.id() + ": the text has " + ids.length + " tokens, fewer than the " + length + " + "
                    + (continuation + 1) + " the fidelity task needs");
        }
        int[] prefix = Arrays.copyOf(ids, length);
        int[] rest = Arrays.copyOfRange(ids, length, length + continuation + 1);
        generator.onPrefillProgress(done -> progress.prefill(sample.id(), Math.min(done, length), length));
        SharedTeacherForcing.run(generator, prefix, rest, sample.meta(FidelityTask.BUCKETS, FidelityTask.DEFAULT_BUCKETS), pending, o -> {
            ResultRow row = ResultRows.fidelity(task, sample, o, settings.queryMode());
            log.append(row);
            rowsWritten++;
            progress.rowWritten(row, o.planned().configuration().label());
        });
    }

    private String key(Task task, EvalSample s, SharedPrefill.Planned p) {
        Map<String, String> options = p.press() == null ? Map.of() : p.press().options();
        return RowKey.of(s.meta(EvalSample.TASK_LABEL, task.name()), s.id(), p.configuration().method().label(), options, p.configuration().budget().requested(),
                settings.queryMode().label());
    }

    /** Tokens generated tasks leave free for the template and BOS, so whole prompts have their target length. */
    private static int reserveTokens(PromptBuilder prompts) {
        boolean chat = prompts.usesChat(new EvalSample("probe", "", "", "", List.of(), 1, "string_match_all", Map.of()));
        return prompts.overheadTokens(chat);
    }

    private static EvalSample cap(EvalSample s, int maxNewTokens) {
        if (maxNewTokens == 0 || s.maxNewTokens() <= maxNewTokens) return s;
        return new EvalSample(s.id(), s.context(), s.question(), s.answerPrefix(), s.answers(), maxNewTokens, s.metric(), s.metadata());
    }
}
