package dev.kvasir.eval.fidelity;

/**
 * Next-token distributions given as logits (a slice {@code [offset, offset + n)} of a buffer):
 * softmax normaliser, argmax, cross terms and KL divergence, in double precision.
 */
public final class Distributions {
    private Distributions() {}

    /** log Σ exp(logits), shifted by the maximum so that it never overflows. */
    public static double logSumExp(float[] logits, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + n; i++) max = Math.max(max, logits[i]);
        double sum = 0;
        for (int i = offset; i < offset + n; i++) sum += Math.exp(logits[i] - max);
        return max + Math.log(sum);
    }

    /** The index (0-based within the slice) of the largest logit; the first one on ties. */
    public static int argmax(float[] logits, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[offset + i] > logits[offset + best]) best = i;
        return best;
    }

    /** softmax(logits) into {@code probs[0, n)}; returns the log normaliser. */
    static double softmax(float[] logits, int offset, int n, float[] probs) {
        double logZ = logSumExp(logits, offset, n);
        for (int i = 0; i < n; i++) probs[i] = (float) Math.exp(logits[offset + i] - logZ);
        return logZ;
    }

    /**
     * Σ p_i · log q_i with q = softmax(logits), computed as Σ p_i·logit_i − log Z·Σ p_i. The same
     * arithmetic on the same inputs gives the same bits, so a distribution compared with itself
     * has a KL of exactly 0.
     */
    static double cross(float[] p, float[] logits, int offset, int n, double logZ) {
        double dot = 0, mass = 0;
        for (int i = 0; i < n; i++) {
            dot += (double) p[i] * logits[offset + i];
            mass += p[i];
        }
        return dot - logZ * mass;
    }

    /** KL(softmax(p) ‖ softmax(q)) in nats, straight from the definition Σ p_i (log p_i − log q_i). */
    public static double kl(float[] p, int pOffset, float[] q, int qOffset, int n) {
        double lp = logSumExp(p, pOffset, n), lq = logSumExp(q, qOffset, n);
        double kl = 0;
        for (int i = 0; i < n; i++) {
            double logP = p[pOffset + i] - lp;
            kl += Math.exp(logP) * (logP - (q[qOffset + i] - lq));
        }
        return Math.max(0, kl);
    }
}
