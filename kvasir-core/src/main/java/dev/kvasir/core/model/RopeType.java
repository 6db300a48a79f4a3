package dev.kvasir.core.model;

/**
 * How rotary embeddings pair the dimensions of a head. GGUF Llama files store Q/K weights
 * permuted for {@link #INTERLEAVED} (pairs (2i, 2i+1), llama.cpp's "norm" type); Hugging Face
 * checkpoints and GGUF Qwen models use {@link #NEOX} ("rotate half": pairs (i, i + d/2)).
 */
public enum RopeType {
    INTERLEAVED, NEOX
}
