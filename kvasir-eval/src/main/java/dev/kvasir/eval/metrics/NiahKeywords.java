package dev.kvasir.eval.metrics;

import dev.kvasir.eval.text.PyText;

import java.util.List;
import java.util.Map;

/**
 * {@code niah-keywords}: the fraction of the needle's key phrases that the prediction contains,
 * after lower-casing, removing ASCII punctuation and collapsing whitespace on both sides.
 *
 * <p>Why not the harnesses' scores: gkamradt's needle test asks GPT-4 to grade 1–10, and
 * KVCache-Factory uses ROUGE-1 F against the whole needle sentence ×10, which rewards restating
 * the question ("The best thing to do in San Francisco is ...") and penalises short correct
 * answers. Key phrases measure retrieval only: for the default needle the phrases are
 * "sandwich", "dolores park" and "sunny day", so "eat a sandwich in Dolores Park" scores 2/3.
 * The phrases come from the sample's {@code keywords} metadata, or are the references.
 */
public final class NiahKeywords implements Metric {
    public static final String NAME = "niah-keywords";
    public static final String KEYWORDS = "keywords";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(String prediction, List<String> references, Map<String, Object> metadata) {
        List<String> keywords = metadata.get(KEYWORDS) instanceof List<?> l && !l.isEmpty()
                ? l.stream().map(String::valueOf).toList()
                : references;
        if (keywords.isEmpty()) throw new IllegalArgumentException(NAME + " needs keywords or references");
        String text = normalize(prediction);
        long found = keywords.stream().filter(k -> text.contains(normalize(k))).count();
        return (double) found / keywords.size();
    }

    static String normalize(String s) {
        return PyText.collapseWhitespace(PyText.removeChars(PyText.lower(s), PyText.PUNCTUATION));
    }
}
