package dev.kvasir.eval.metrics;

import dev.kvasir.eval.text.PyText;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LongBench {@code qa_f1_score}: token-level F1 between the normalised prediction and reference,
 * counting common tokens with multiplicity ({@code Counter(pred) & Counter(gt)}).
 */
public final class QaF1 implements PairMetric {
    public static final String NAME = "qa_f1_score";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double scorePair(String prediction, String reference, Map<String, Object> metadata) {
        return f1(PyText.split(AnswerNormalizer.normalize(prediction)), PyText.split(AnswerNormalizer.normalize(reference)));
    }

    /** LongBench {@code f1_score} on token lists. */
    public static double f1(List<String> prediction, List<String> reference) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : reference) counts.merge(t, 1, Integer::sum);
        int same = 0;
        for (String t : prediction) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                same++;
                counts.put(t, c - 1);
            }
        }
        if (same == 0) return 0.0;
        double precision = (double) same / prediction.size();
        double recall = (double) same / reference.size();
        return 2 * precision * recall / (precision + recall);
    }
}
