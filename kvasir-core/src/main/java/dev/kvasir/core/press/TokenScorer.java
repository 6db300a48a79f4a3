package dev.kvasir.core.press;

/**
 * How tokens are scored (higher = more worth keeping). A scorer sees one layer and returns, for
 * every KV head, the scores of the selectable slots [lo, hi) ({@code result[kvHead][j - lo]}).
 * Scorers based on attention compute one score per query head and reduce the GQA group with
 * {@link LayerView#gqa()}.
 */
public interface TokenScorer {

    /** Short label for reports, e.g. {@code snapkv(w=32,k=7,max)}. */
    String label();

    /** The prefill statistics this scorer needs. */
    StatsRequest statsRequest();

    float[][] score(LayerView layer, int lo, int hi);

    /** Accumulated attention Σ_i A[i, j] over all prompt queries (H2O); see {@link AccumulatedAttention}. */
    static TokenScorer accumulated(boolean normalised) { return new AccumulatedAttention(normalised); }

    /** SnapKV's pooled attention of the last w queries; see {@link WindowAttention}. */
    static TokenScorer window(int window, int kernel, Pooling pooling) { return new WindowAttention(window, kernel, pooling); }

    /** Attention of the last prompt query (TOVA); see {@link LastQueryAttention}. */
    static TokenScorer lastQuery(boolean layerShared) { return new LastQueryAttention(layerShared); }

    /** −‖k_j‖ (KNorm). */
    static TokenScorer keyNorm() { return new KeyNorm(); }

    /** Seeded uniform random scores. */
    static TokenScorer random() { return new RandomScore(); }

    /** score_j = j: the most recent tokens win (StreamingLLM, with sinks protected). */
    static TokenScorer recency() { return new Recency(); }
}
