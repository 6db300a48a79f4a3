package dev.kvasir.eval.metrics;

import dev.kvasir.eval.text.PyText;

import java.util.Map;

/**
 * LongBench {@code code_sim_score} (lcc, repobench-p): the first line of the prediction that is
 * not a comment or a code fence (contains none of {@code `}, {@code #}, {@code //}) compared with
 * the reference line by fuzzywuzzy's {@code fuzz.ratio} / 100.
 *
 * <p>{@code fuzz.ratio} with python-Levenshtein installed (the fast path LongBench's environment
 * uses) is {@code round(100 * (|a| + |b| - d) / (|a| + |b|))} where d is the Levenshtein
 * distance with substitutions costing 2, i.e. {@code 2 * LCS(a, b) / (|a| + |b|)}; Python's
 * {@code round} rounds halves to even. fuzzywuzzy returns 100 for equal strings (even both
 * empty) before returning 0 for an empty one. Strings are compared by code point.
 */
public final class CodeSimilarity implements PairMetric {
    public static final String NAME = "code_sim_score";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double scorePair(String prediction, String reference, Map<String, Object> metadata) {
        return fuzzRatio(firstCodeLine(prediction), reference) / 100.0;
    }

    /** The line LongBench compares: the first one after leading newlines without a backtick, '#' or '//'. */
    public static String firstCodeLine(String prediction) {
        String trimmed = PyText.lstrip(prediction, "\n");
        for (String line : PyText.splitLiteral(trimmed, "\n")) {
            if (!line.contains("`") && !line.contains("#") && !line.contains("//")) return line;
        }
        return "";
    }

    /** fuzzywuzzy {@code fuzz.ratio(a, b)} (python-Levenshtein back end), an integer 0..100. */
    public static int fuzzRatio(String a, String b) {
        if (a.equals(b)) return 100;
        if (a.isEmpty() || b.isEmpty()) return 0;
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        int lensum = x.length + y.length;
        double ratio = 2.0 * lcsLength(x, y) / lensum;
        return (int) Math.rint(100 * ratio);
    }

    /** Length of the longest common subsequence, two-row dynamic programme. */
    static int lcsLength(int[] x, int[] y) {
        int[] prev = new int[y.length + 1];
        int[] cur = new int[y.length + 1];
        for (int i = 1; i <= x.length; i++) {
            for (int j = 1; j <= y.length; j++) {
                cur[j] = x[i - 1] == y[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[y.length];
    }
}
