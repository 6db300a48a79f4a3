package dev.kvasir.eval.task;

import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.metrics.NiahExact;
import dev.kvasir.eval.metrics.NiahKeywords;
import dev.kvasir.eval.metrics.NiahRouge1;
import dev.kvasir.eval.text.TokenFitter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Needle in a haystack: one sample per (context length, depth). The haystack comes from
 * {@link TaskConfig#dataPath()} (a directory of .txt files or one file); the needle is inserted
 * at the sentence boundary nearest the requested token depth of the haystack; the result is
 * wrapped like kvpress ("This is a very long story book: &lt;book&gt; ... &lt;/book&gt;.").
 *
 * <p>Length: the whole plain prompt (wrapper, haystack, needle, question, answer prefix) is made
 * as long as {@code length - reserveTokens} tokens or a few tokens shorter. Metadata: length,
 * depth (requested), actualDepth (achieved, in haystack tokens), needle, keywords, promptTokens.
 * Metric: {@code niah-keywords}; {@code --task-opt metric=...} picks another, and the rows then
 * name the task {@code niah:metric=<choice>}: {@code rouge1-f} (KVCache-Factory's score,
 * {@link NiahRouge1}), {@code rouge1-recall}, {@code exact} ({@link NiahExact}), {@code keywords}.
 */
public final class NiahTask implements Task {
    public static final String NAME = "niah";

    private final NiahSettings settings;

    public NiahTask(NiahSettings settings) {
        this.settings = settings;
    }

    /** Settings from the config's options (see {@link NiahSettings#fromOptions}). */
    public NiahTask() {
        this(null);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<EvalSample> samples(TaskConfig config) {
        NiahSettings s = settings != null ? settings : NiahSettings.fromOptions(config.options());
        String metric = metric(config);
        Tokenizer tokenizer = config.requireTokenizer(NAME);
        Haystack haystack = Haystack.load(config.requireDataPath(NAME, "a directory of .txt files or a text file"));
        List<EvalSample> out = new ArrayList<>();
        for (int length : config.contextLengths()) {
            for (double depth : config.depths()) {
                EvalSample e = sample(s, tokenizer, haystack, length, config.reserveTokens(), depth);
                out.add(metric.equals(e.metric()) ? e : rescored(e, metric, config.option(METRIC).orElseThrow(), s));
            }
        }
        return config.limited(out);
    }

    /** Task option naming the metric. */
    public static final String METRIC = "metric";

    private static final Map<String, String> METRICS = Map.of(
            "keywords", NiahKeywords.NAME, "rouge1-f", NiahRouge1.F, "rouge1-recall", NiahRouge1.RECALL, "exact", NiahExact.NAME);

    static String metric(TaskConfig config) {
        String choice = config.option(METRIC).orElse("keywords");
        String name = METRICS.get(choice);
        if (name == null) {
            throw new IllegalArgumentException("niah: --task-opt metric=" + choice + " is not one of " + new java.util.TreeSet<>(METRICS.keySet()));
        }
        return name;
    }

    private static EvalSample rescored(EvalSample e, String metric, String choice, NiahSettings s) {
        Map<String, Object> meta = new LinkedHashMap<>(e.metadata());
        meta.put(NiahRouge1.ANSWER_PREFIX, s.answerPrefix());
        meta.put(EvalSample.TASK_LABEL, NAME + ":" + METRIC + "=" + choice);
        return new EvalSample(e.id(), e.context(), e.question(), e.answerPrefix(), e.answers(), e.maxNewTokens(), metric, meta);
    }

    static EvalSample sample(NiahSettings s, Tokenizer tokenizer, Haystack haystack, int length, int reserve, double depth) {
        String question = "\n" + s.question();
        String answerPrefix = s.answerPrefix().isEmpty() ? "" : "\n" + s.answerPrefix();
        int target = length - reserve;
        String[] wrap = s.wrapper().split("\\{context}", -1);
        int overhead = TokenFitter.count(tokenizer, wrap[0] + wrap[1] + question + answerPrefix)
                + TokenFitter.count(tokenizer, s.needle()) + 2;
        int haystackTokens = target - overhead;
        if (haystackTokens <= 0) {
            throw new IllegalArgumentException("context length " + length + " leaves no room for a haystack (needs more than "
                    + (overhead + reserve) + " tokens)");
        }
        // token counts of pieces do not add up exactly: shrink the haystack until the prompt fits
        for (int attempt = 0; ; attempt++) {
            String hay = haystack.firstTokens(tokenizer, haystackTokens);
            NeedlePlacer.Placement p = NeedlePlacer.place(tokenizer, hay, s.needle(), depth, s.snap());
            String context = wrap[0] + p.text() + wrap[1];
            int promptTokens = TokenFitter.count(tokenizer, context + question + answerPrefix);
            int excess = promptTokens - target;
            if (excess <= 0 || attempt == 4) {
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put(EvalSample.LENGTH, length);
                meta.put(EvalSample.DEPTH, depth);
                meta.put("actualDepth", p.actualDepth());
                meta.put(EvalSample.NEEDLE, s.needle());
                meta.put(NiahKeywords.KEYWORDS, s.keywords());
                meta.put(EvalSample.PROMPT_TOKENS, promptTokens);
                meta.put(EvalSample.STOP_AT_NEWLINE, true);
                String id = String.format(Locale.ROOT, "niah-L%d-d%.3f", length, depth);
                return new EvalSample(id, context, question, answerPrefix, List.of(s.expected()), s.maxNewTokens(),
                        NiahKeywords.NAME, meta);
            }
            haystackTokens -= excess;
        }
    }
}
