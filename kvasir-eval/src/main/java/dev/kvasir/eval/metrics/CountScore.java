package dev.kvasir.eval.metrics;

import java.util.Map;

/** LongBench {@code count_score} (passage_count): fraction of the numbers in the prediction equal to the reference. */
public final class CountScore implements PairMetric {
    public static final String NAME = "count_score";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double scorePair(String prediction, String groundTruth, Map<String, Object> metadata) {
        return NumberMatch.fractionEqual(prediction, groundTruth);
    }
}
