package dev.kvasir.core.model;

import dev.kvasir.core.tensor.WeightMatrix;

/**
 * The weights of one decoder block. Biases, QK-norm weights and the Gemma post-norms (after
 * attention, after the MLP) are null when the model has none.
 */
public record LayerWeights(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                           float[] bq, float[] bk, float[] bv, float[] qNorm, float[] kNorm,
                           float[] ffnNorm, WeightMatrix wGate, WeightMatrix wDown, WeightMatrix wUp,
                           float[] postAttnNorm, float[] postFfnNorm) {

    /** A Llama-family block: no post-norms. */
    public LayerWeights(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                        float[] bq, float[] bk, float[] bv, float[] qNorm, float[] kNorm,
                        float[] ffnNorm, WeightMatrix wGate, WeightMatrix wDown, WeightMatrix wUp) {
        this(attnNorm, wq, wk, wv, wo, bq, bk, bv, qNorm, kNorm, ffnNorm, wGate, wDown, wUp, null, null);
    }
}
