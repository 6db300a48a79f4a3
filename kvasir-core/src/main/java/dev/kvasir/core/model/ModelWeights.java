package dev.kvasir.core.model;

import dev.kvasir.core.tensor.WeightMatrix;

/**
 * All weights of a model. {@code output} is the token embedding itself for tied models;
 * {@code ropeFrequencyFactors} divides the RoPE frequencies (GGUF {@code rope_freqs.weight},
 * Llama 3.1), or is null.
 */
public record ModelWeights(WeightMatrix tokenEmbedding, LayerWeights[] layers, float[] outputNorm, WeightMatrix output,
                           float[] ropeFrequencyFactors) {}
