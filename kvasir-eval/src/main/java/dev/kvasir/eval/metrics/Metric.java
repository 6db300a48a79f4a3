package dev.kvasir.eval.metrics;

import java.util.List;
import java.util.Map;

/** Scores one prediction against a sample's references; scores lie in [0, 1]. */
public interface Metric {
    String name();

    /**
     * @param prediction the generated text (after the task's post-processing)
     * @param references the sample's expected answers
     * @param metadata   the sample's metadata (e.g. {@code all_classes} for classification)
     */
    double score(String prediction, List<String> references, Map<String, Object> metadata);
}
