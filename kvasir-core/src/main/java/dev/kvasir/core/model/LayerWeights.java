package dev.kvasir.core.model;

import dev.kvasir.core.tensor.WeightMatrix;

/** The weights of one decoder block. Biases and QK-norm weights are null when the model has none. */
public record LayerWeights(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                           float[] bq, float[] bk, float[] bv, float[] qNorm, float[] kNorm,
                           float[] ffnNorm, WeightMatrix wGate, WeightMatrix wDown, WeightMatrix wUp) {}
