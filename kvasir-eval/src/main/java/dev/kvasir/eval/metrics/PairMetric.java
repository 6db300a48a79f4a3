package dev.kvasir.eval.metrics;

import java.util.List;
import java.util.Map;

/**
 * A metric defined on one (prediction, reference) pair, aggregated as LongBench's scorer does:
 * the best score over the references, starting from 0 ({@code score = max(score, metric(pred, gt))}).
 */
public interface PairMetric extends Metric {
    double scorePair(String prediction, String reference, Map<String, Object> metadata);

    @Override
    default double score(String prediction, List<String> references, Map<String, Object> metadata) {
        double best = 0.0;
        for (String reference : references) best = Math.max(best, scorePair(prediction, reference, metadata));
        return best;
    }
}
