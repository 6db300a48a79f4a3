package dev.kvasir.eval.fidelity;

import java.util.Arrays;

/**
 * The full cache's next-token distributions at every position of a teacher-forced continuation,
 * recorded once per sample and compared with each compressed cache's. Kept per position: the
 * probabilities (one float per vocabulary entry: C × vocab floats, the only large part, held
 * for one sample), the distribution's Σ p log p and its argmax.
 */
public final class FullCacheReference {
    private final int[] targets;
    private final int vocab;
    private final float[][] probs;
    private final double[] selfCross;
    private final int[] argmax;
    private int recorded;

    /** @param targets the token each position must predict: the continuation shifted by one */
    public FullCacheReference(int[] targets, int vocab) {
        if (targets.length == 0) throw new IllegalArgumentException("a continuation needs at least one position");
        this.targets = targets.clone();
        this.vocab = vocab;
        this.probs = new float[targets.length][vocab];
        this.selfCross = new double[targets.length];
        this.argmax = new int[targets.length];
    }

    /** Records position {@code i}'s full-cache logits {@code logits[offset, offset + vocab)}; positions come in order. */
    public void record(int i, float[] logits, int offset) {
        if (i != recorded) throw new IllegalStateException("positions are recorded in order: expected " + recorded + ", got " + i);
        double logZ = Distributions.softmax(logits, offset, vocab, probs[i]);
        selfCross[i] = Distributions.cross(probs[i], logits, offset, vocab, logZ);
        argmax[i] = Distributions.argmax(logits, offset, vocab);
        recorded++;
    }

    public int positions() { return targets.length; }

    int vocab() { return vocab; }

    int target(int i) { return targets[i]; }

    int argmax(int i) { return argmax[i]; }

    float[] probs(int i) { return probs[i]; }

    double selfCross(int i) { return selfCross[i]; }

    /** Whether every position was recorded. */
    public boolean complete() {
        return recorded == targets.length;
    }

    boolean recorded(int i) {
        return i < recorded;
    }

    @Override
    public String toString() {
        return "FullCacheReference[" + targets.length + " positions, vocab " + vocab + ", targets " + Arrays.toString(
                Arrays.copyOf(targets, Math.min(4, targets.length))) + "...]";
    }
}
