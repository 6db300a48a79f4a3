package dev.kvasir.eval.metrics;

import dev.kvasir.eval.text.PyText;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LongBench {@code rouge_score}: the {@code rouge} package's (pltrdy, 1.0.x) summary-level
 * ROUGE-L F score, {@code Rouge().get_scores([pred], [gt], avg=True)["rouge-l"]["f"]}.
 *
 * <p>That implementation differs from the textbook LCS F measure, and scores only match
 * LongBench's if the differences are kept:
 * <ul>
 *   <li>"sentences" are the pieces of {@code text.split(".")} that are not empty, each with its
 *       whitespace collapsed; words are the pieces of {@code sentence.split(" ")};</li>
 *   <li>with its default {@code exclusive=True} every count is over <em>sets</em> of words:
 *       m and n are the numbers of distinct words of the reference and the prediction, and the
 *       overlap is the number of distinct words lying on the reconstructed LCS of some
 *       (reference sentence, predicted sentence) pair (the union-LCS, accumulated over all
 *       reference sentences);</li>
 *   <li>which LCS is reconstructed matters: on ties the walk moves left in the prediction
 *       ({@code j - 1}) rather than up in the reference;</li>
 *   <li>F = 2PR / (P + R + 1e-8);</li>
 *   <li>an empty prediction or reference (no sentence left) raises in the package, and
 *       LongBench's bare {@code except} turns that into 0.</li>
 * </ul>
 * Known deviation: Python reconstructs the LCS recursively, so a (reference sentence,
 * prediction sentence) pair longer than about 1000 words together raises RecursionError and
 * LongBench scores the sample 0; here the true value is computed.
 */
public final class RougeL implements PairMetric {
    public static final String NAME = "rouge_score";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double scorePair(String prediction, String reference, Map<String, Object> metadata) {
        return fScore(prediction, reference);
    }

    public static double fScore(String prediction, String reference) {
        List<String> hyp = sentences(prediction);
        List<String> ref = sentences(reference);
        if (hyp.isEmpty() || ref.isEmpty()) return 0.0;
        int m = new HashSet<>(words(ref)).size();
        int n = new HashSet<>(words(hyp)).size();
        Set<String> union = new HashSet<>();
        for (String refSentence : ref) {
            List<String> refWords = PyText.splitLiteral(refSentence, " ");
            for (String hypSentence : hyp) {
                union.addAll(lcs(refWords, PyText.splitLiteral(hypSentence, " ")));
            }
        }
        double overlap = union.size();
        double recall = overlap / m;
        double precision = overlap / n;
        return 2.0 * ((precision * recall) / (precision + recall + 1e-8));
    }

    /** {@code [" ".join(s.split()) for s in text.split(".") if len(s) > 0]}. */
    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String piece : PyText.splitLiteral(text, ".")) {
            if (!piece.isEmpty()) out.add(PyText.collapseWhitespace(piece));
        }
        return out;
    }

    private static List<String> words(List<String> sentences) {
        List<String> out = new ArrayList<>();
        for (String s : sentences) out.addAll(PyText.splitLiteral(s, " "));
        return out;
    }

    /** The package's {@code _recon_lcs(x, y)}: one LCS of x and y, walked back from the end. */
    static List<String> lcs(List<String> x, List<String> y) {
        int n = x.size();
        int m = y.size();
        int[][] table = new int[n + 1][m + 1];
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                table[i][j] = x.get(i - 1).equals(y.get(j - 1))
                        ? table[i - 1][j - 1] + 1
                        : Math.max(table[i - 1][j], table[i][j - 1]);
            }
        }
        List<String> reversed = new ArrayList<>();
        int i = n;
        int j = m;
        while (i > 0 && j > 0) {
            if (x.get(i - 1).equals(y.get(j - 1))) {
                reversed.add(x.get(i - 1));
                i--;
                j--;
            } else if (table[i - 1][j] > table[i][j - 1]) {
                i--;
            } else {
                j--;
            }
        }
        return reversed.reversed();
    }
}
