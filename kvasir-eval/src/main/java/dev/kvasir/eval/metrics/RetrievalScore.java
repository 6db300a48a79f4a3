package dev.kvasir.eval.metrics;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LongBench {@code retrieval_score} (passage_retrieval_en) and {@code retrieval_zh_score}
 * (passage_retrieval_zh): the paragraph number is read from the reference ("Paragraph 12" /
 * "段落12"), and the score is the fraction of the numbers in the prediction equal to it.
 */
public final class RetrievalScore implements PairMetric {
    public static final String NAME = "retrieval_score";
    public static final String NAME_ZH = "retrieval_zh_score";

    private final String name;
    private final Pattern reference;

    private RetrievalScore(String name, String referencePattern) {
        this.name = name;
        this.reference = Pattern.compile(referencePattern, Pattern.UNICODE_CHARACTER_CLASS);
    }

    public static RetrievalScore english() {
        return new RetrievalScore(NAME, "Paragraph (\\d+)");
    }

    public static RetrievalScore chinese() {
        return new RetrievalScore(NAME_ZH, "段落(\\d+)");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double scorePair(String prediction, String groundTruth, Map<String, Object> metadata) {
        Matcher m = reference.matcher(groundTruth);
        if (!m.find()) {
            // LongBench fails with IndexError here; a silent 0 would hide a broken data file
            throw new IllegalArgumentException(name + ": no paragraph number in the reference: " + groundTruth);
        }
        return NumberMatch.fractionEqual(prediction, m.group(1));
    }
}
