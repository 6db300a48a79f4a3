package dev.kvasir.eval.metrics;

import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.text.PorterStemmer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The needle test scored as KVCache-Factory's {@code run_needle_in_haystack.py} does: ROUGE-1 of
 * the response against the whole needle sentence, Google {@code rouge_score} with
 * {@code use_stemmer=True}: lower-case, every run of characters other than {@code [a-z0-9]} a
 * separator, words longer than 3 characters Porter-stemmed ({@link PorterStemmer}), unigram
 * counts clipped to the needle's; precision = overlap / response words, recall = overlap /
 * needle words.
 * <ul>
 *   <li>{@code niah-rouge1-f}: F = 2PR/(P+R), what KVCache-Factory reports (×10 there, ×100 in Kvasir's tables);</li>
 *   <li>{@code niah-rouge1-recall}: R, the retrieval-head variant of the same harness.</li>
 * </ul>
 * The response is the answer prefix forced by the prompt followed by the generated text (KVCache-Factory
 * lets the model restate the question itself), up to the first newline (its generation stops there).
 * The needle comes from the sample's {@code needle} metadata, the prefix from {@code answerPrefix}.
 */
public record NiahRouge1(boolean recallOnly) implements Metric {
    public static final String F = "niah-rouge1-f";
    public static final String RECALL = "niah-rouge1-recall";
    public static final String ANSWER_PREFIX = "answerPrefix";

    private static final Pattern SEPARATORS = Pattern.compile("[^a-z0-9]+");

    @Override
    public String name() {
        return recallOnly ? RECALL : F;
    }

    @Override
    public double score(String prediction, List<String> references, Map<String, Object> metadata) {
        Object needle = metadata.get(EvalSample.NEEDLE);
        if (needle == null) throw new IllegalArgumentException(name() + " needs the sample's needle metadata");
        return score(response(prediction, metadata), needle.toString());
    }

    /** The forced answer prefix and the generation, up to the first newline. */
    static String response(String prediction, Map<String, Object> metadata) {
        String prefix = String.valueOf(metadata.getOrDefault(ANSWER_PREFIX, "")).strip();
        String text = (prefix.isEmpty() ? "" : prefix + " ") + prediction.stripLeading();
        int nl = text.indexOf('\n');
        return (nl >= 0 ? text.substring(0, nl) : text).strip();
    }

    double score(String response, String needle) {
        List<String> pred = tokens(response), ref = tokens(needle);
        if (pred.isEmpty() || ref.isEmpty()) return 0;
        Map<String, Integer> refCounts = new HashMap<>();
        for (String t : ref) refCounts.merge(t, 1, Integer::sum);
        Map<String, Integer> predCounts = new HashMap<>();
        for (String t : pred) predCounts.merge(t, 1, Integer::sum);
        int overlap = 0;
        for (Map.Entry<String, Integer> e : predCounts.entrySet()) overlap += Math.min(e.getValue(), refCounts.getOrDefault(e.getKey(), 0));
        double p = (double) overlap / pred.size(), r = (double) overlap / ref.size();
        if (recallOnly) return r;
        return p + r > 0 ? 2 * p * r / (p + r) : 0;
    }

    /** rouge_score's tokenizer with stemming. */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        for (String t : SEPARATORS.split(text.toLowerCase(java.util.Locale.ROOT))) {
            if (t.isEmpty()) continue;
            out.add(t.length() > 3 ? PorterStemmer.stem(t) : t);
        }
        return out;
    }
}
