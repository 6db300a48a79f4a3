package dev.kvasir.server.engine;

/**
 * How much of a kept conversation cache a new prompt may reuse, and how the rest of the prompt is
 * cut into prefill chunks, so that with the full cache a reused prefix gives bit for bit the keys,
 * values and logits a fresh prefill of the whole prompt gives.
 *
 * <p>Why the rules (measured on SmolLM2 with a warm JIT, {@code PrefixReuseTest}):
 * <ul>
 *   <li>A prefill chunk computes each token with the same arithmetic whatever the chunk, with two
 *       exceptions in the kernels: the prefill attention works on tiles of {@link #TILE} tokens
 *       whose extent decides, for the last key block of a token, which of two summation orders
 *       it uses (core's {@code TiledPrefillAttention}); and a chunk of fewer than
 *       {@link #MIN_TAIL} tokens takes the per-token matrix-vector path instead of the batched
 *       product (core's {@code FloatGemm.MIN_BATCH}; a single token even takes the decode
 *       attention). So a token computed in a tile cut short by the end of its prompt differs in
 *       the last bits from the same token in the middle of a longer prompt.</li>
 *   <li>The tokens a sequence generated were written into its cache by decode steps, whose
 *       attention ({@code GroupedDecodeAttention}, chunked online softmax) sums in another order
 *       than a prefill's: about nine in ten of their keys and values differ from what a prefill
 *       of the same tokens writes (every layer after the first).</li>
 * </ul>
 * Hence, for the full cache, a prompt reuses only prefill-written positions of full tiles: at most
 * {@link #exactPrefix} of the earlier prompt (its last tokens and the reply are prefilled again),
 * a multiple of {@link #TILE}, leaving at least {@link #MIN_TAIL} tokens to prefill; and the rest
 * of the prompt is prefilled in chunks ending where a fresh prefill's end ({@link #chunkEnd}:
 * multiples of {@link BatchScheduler#PREFILL_CHUNK}). Then every tile and every chunk's
 * arithmetic path is the one a fresh prefill takes (chunks of the fixed length counted from the
 * reused prefix would also keep the tiles whole, but could end the prompt with a chunk of one to
 * three tokens where the fresh prefill's last chunk is longer). A compressed cache differs from a
 * fresh one anyway (its history was compressed once, in an earlier turn), so it reuses everything
 * it holds, replies included.
 */
final class PrefixReuse {
    /** Tokens per tile of core's prefill attention ({@code TiledPrefillAttention.TOKENS}). */
    static final int TILE = 8;
    /** Fewest tokens a reused prompt prefills with the full cache: core's {@code FloatGemm.MIN_BATCH}. */
    static final int MIN_TAIL = 4;

    private PrefixReuse() {}

    /**
     * End (exclusive) of the prefill chunk that starts at {@code start}: the next multiple of the
     * chunk length, or the prompt's end. From 0 these are the fixed chunks of a fresh prefill; from
     * a reused prefix, the first chunk is shortened so that every later one is a fresh prefill's.
     */
    static int chunkEnd(int start, int promptLength) {
        int chunk = BatchScheduler.PREFILL_CHUNK;
        return Math.min(promptLength, (start / chunk + 1) * chunk);
    }

    /**
     * Leading positions of a full cache prefilled (fresh, or after a reused prefix, with
     * {@link #chunkEnd}) from a prompt of {@code promptTokens} tokens that a longer prompt computes
     * identically: the full tiles before the prompt's last token (the last token is also the
     * last row of its chunk, whose element-wise tails may be split differently).
     */
    static int exactPrefix(int promptTokens) {
        return Math.max(0, (promptTokens - 1) / TILE * TILE);
    }

    /**
     * Tokens of a new prompt of {@code promptTokens} tokens served from a kept full cache that
     * shares {@code commonPrefix} tokens with it and holds {@code keptTokens} exact positions; 0
     * when nothing can be reused.
     */
    static int fullCacheReuse(int commonPrefix, int keptTokens, int promptTokens) {
        int n = Math.min(Math.min(commonPrefix, keptTokens), promptTokens - MIN_TAIL);
        return n <= 0 ? 0 : n / TILE * TILE;
    }

    /**
     * Tokens served from a kept compressed cache: everything shared, as long as the new prompt
     * keeps the whole stretch the press compressed ({@code compressedTokens}: a prompt that departs
     * inside it is prefilled and compressed afresh) and one token is left to prefill (for the
     * logits of the next token); 0 when nothing can be reused.
     */
    static int compressedCacheReuse(int commonPrefix, int keptTokens, int compressedTokens, int promptTokens) {
        int n = Math.min(Math.min(commonPrefix, keptTokens), promptTokens - 1);
        return n < compressedTokens || n <= 0 ? 0 : n;
    }
}
