package dev.kvasir.core.model;

/**
 * Scratch for {@link LlamaModel#decodeBatch}: one decode step of up to {@code maxSequences}
 * sequences, each with its own cache. The activations of the whole batch live in one
 * {@link InferenceState} (rows padded to {@link LlamaModel#MIN_GEMM_BATCH}); attention, which
 * runs per sequence on several threads at once, has one small state per thread for its
 * partial results. Every sequence's next-token logits end up in {@link #logits()}.
 */
public final class BatchDecodeState {
    final int maxSequences;
    final InferenceState rows;
    final InferenceState[] attentionScratch;
    final float[] logits;
    final int[] positions;
    final int vocab;

    public BatchDecodeState(ModelConfig c, int maxSequences, int threads) {
        if (maxSequences < 1) throw new IllegalArgumentException("a batch needs room for at least one sequence, got " + maxSequences);
        this.maxSequences = maxSequences;
        int padded = Math.max(maxSequences, LlamaModel.MIN_GEMM_BATCH);
        this.rows = new InferenceState(c, padded);
        this.attentionScratch = new InferenceState[Math.max(1, threads)];
        for (int i = 0; i < attentionScratch.length; i++) attentionScratch[i] = new InferenceState(c, 1);
        this.vocab = c.vocabularySize();
        this.logits = new float[padded * vocab];
        this.positions = new int[padded];
    }

    public int maxSequences() { return maxSequences; }

    /** Logits of sequence b of the last step at {@code [b * vocab, (b + 1) * vocab)} (a live buffer). */
    public float[] logits() { return logits; }

    public int logitsOffset(int sequence) { return sequence * vocab; }
}
