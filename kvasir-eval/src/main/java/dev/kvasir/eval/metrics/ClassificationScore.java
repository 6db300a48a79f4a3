package dev.kvasir.eval.metrics;

import dev.kvasir.eval.EvalSample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LongBench {@code classification_score} (trec, lsht), with its quirks kept so that scores are
 * comparable:
 * <ol>
 *   <li>every class name that occurs as a substring of the prediction is a match;</li>
 *   <li>matches that are substrings of the reference (but not equal to it) are removed while
 *       the list is being iterated, so in Python the element after a removed one is skipped
 *       and never examined;</li>
 *   <li>the score is 1/#matches when the reference is among the matches, else 0. The
 *       fallback to difflib similarity is dead code in LongBench ({@code em_match_list != 0}
 *       compares a list with 0 and is always true), so a prediction naming no class scores 0.</li>
 * </ol>
 * The class list comes from the sample's {@code all_classes} metadata.
 */
public final class ClassificationScore implements PairMetric {
    public static final String NAME = "classification_score";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double scorePair(String prediction, String reference, Map<String, Object> metadata) {
        Object classes = metadata.get(EvalSample.ALL_CLASSES);
        if (!(classes instanceof List<?> list)) {
            throw new IllegalArgumentException(NAME + " needs the sample's '" + EvalSample.ALL_CLASSES + "' metadata");
        }
        List<String> allClasses = list.stream().map(String::valueOf).toList();
        return score(prediction, reference, allClasses);
    }

    public static double score(String prediction, String reference, List<String> allClasses) {
        List<String> matches = new ArrayList<>();
        for (String c : allClasses) {
            if (prediction.contains(c)) matches.add(c);
        }
        // Python: `for term in matches: if ...: matches.remove(term)` — the iterator's index
        // still advances after a removal, so the next element is skipped.
        for (int i = 0; i < matches.size(); i++) {
            String term = matches.get(i);
            if (reference.contains(term) && !term.equals(reference)) matches.remove(term);
        }
        return matches.contains(reference) ? 1.0 / matches.size() : 0.0;
    }
}
