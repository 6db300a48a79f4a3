package dev.kvasir.eval.metrics;

import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.text.PyText;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The metrics by name, and scoring of a sample's prediction with its task's post-processing. */
public final class Metrics {
    private Metrics() {}

    /** Post-processing value: keep the first line ({@code pred.lstrip('\n').split('\n')[0]}), as LongBench does for trec, triviaqa, samsum, lsht. */
    public static final String FIRST_LINE = "first_line";

    private static final Map<String, Metric> BY_NAME = new LinkedHashMap<>();

    static {
        register(new QaF1());
        register(new RougeL());
        register(new ClassificationScore());
        register(RetrievalScore.english());
        register(RetrievalScore.chinese());
        register(new CountScore());
        register(new CodeSimilarity());
        register(StringMatch.all());
        register(StringMatch.part());
        register(new NiahKeywords());
        register(new NiahRouge1(false));
        register(new NiahRouge1(true));
        register(new NiahExact());
        register(new PasskeyExact());
    }

    private static void register(Metric m) {
        BY_NAME.put(m.name(), m);
    }

    /** Names of LongBench metrics that need the jieba Chinese word segmenter, which has no Java port here. */
    public static final Set<String> UNSUPPORTED = Set.of("qa_f1_zh_score", "rouge_zh_score");

    public static Metric byName(String name) {
        Metric m = BY_NAME.get(name);
        if (m != null) return m;
        if (UNSUPPORTED.contains(name)) {
            throw new UnsupportedOperationException(name + " needs jieba word segmentation, which is not implemented");
        }
        throw new IllegalArgumentException("unknown metric '" + name + "'; known: " + BY_NAME.keySet());
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /** Scores a prediction for a sample: applies the sample's post-processing, then its metric. */
    public static double score(EvalSample sample, String prediction) {
        String processed = postprocess(prediction, sample.meta(EvalSample.POSTPROCESS, ""));
        return byName(sample.metric()).score(processed, sample.answers(), sample.metadata());
    }

    static String postprocess(String prediction, String step) {
        return switch (step) {
            case "" -> prediction;
            case FIRST_LINE -> PyText.splitLiteral(PyText.lstrip(prediction, "\n"), "\n").getFirst();
            default -> throw new IllegalArgumentException("unknown post-processing step '" + step + "'");
        };
    }
}
