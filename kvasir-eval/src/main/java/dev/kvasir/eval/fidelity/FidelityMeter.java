package dev.kvasir.eval.fidelity;

import dev.kvasir.eval.report.FidelityScores;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores one cache's teacher-forced logits against the {@link FullCacheReference}, position by
 * position, as they are computed (nothing of the vocabulary's size is kept): the NLL of the true
 * next token, KL(full ‖ this) and whether both caches' most likely tokens agree.
 */
public final class FidelityMeter {
    private final FullCacheReference reference;
    private final double[] nll, kl;
    private final boolean[] agree;
    private int seen;

    /** The reference may still be recording: position i can be scored once its own reference is (the full cache scores itself so). */
    public FidelityMeter(FullCacheReference reference) {
        this.reference = reference;
        int n = reference.positions();
        this.nll = new double[n];
        this.kl = new double[n];
        this.agree = new boolean[n];
    }

    /** Position {@code i}'s logits {@code logits[offset, offset + vocab)} under the cache being measured. */
    public void accept(int i, float[] logits, int offset) {
        if (!reference.recorded(i)) throw new IllegalStateException("position " + i + " of " + reference + " is not recorded yet");
        int vocab = reference.vocab();
        double logZ = Distributions.logSumExp(logits, offset, vocab);
        nll[i] = logZ - logits[offset + reference.target(i)];
        // KL(full ‖ this) = Σ p log p − Σ p log q, both with the reference's own probabilities
        kl[i] = Math.max(0, reference.selfCross(i) - Distributions.cross(reference.probs(i), logits, offset, vocab, logZ));
        agree[i] = Distributions.argmax(logits, offset, vocab) == reference.argmax(i);
        seen++;
    }

    /** Means over all positions and over {@code buckets} equal runs of positions (the last one takes the remainder). */
    public FidelityScores scores(int buckets) {
        int n = reference.positions();
        if (seen != n) throw new IllegalStateException("scored " + seen + " of " + n + " positions");
        if (buckets < 1) throw new IllegalArgumentException("buckets must be >= 1, got " + buckets);
        int b = Math.min(buckets, n);
        List<FidelityScores.Bucket> out = new ArrayList<>(b);
        for (int k = 0; k < b; k++) {
            int from = k * n / b, to = (k + 1) * n / b;
            out.add(new FidelityScores.Bucket(from, to, mean(nll, from, to), mean(kl, from, to), agreement(from, to)));
        }
        double meanNll = mean(nll, 0, n);
        return new FidelityScores(n, meanNll, Math.exp(meanNll), mean(kl, 0, n), agreement(0, n), out);
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += v[i];
        return s / (to - from);
    }

    private double agreement(int from, int to) {
        int a = 0;
        for (int i = from; i < to; i++) if (agree[i]) a++;
        return (double) a / (to - from);
    }
}
