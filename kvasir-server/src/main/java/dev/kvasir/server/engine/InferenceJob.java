package dev.kvasir.server.engine;

import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.SamplingParams;

import java.util.List;

/**
 * One generation the server was asked for, already tokenized and validated.
 *
 * @param prompt      prompt token ids (chat template applied for chat requests)
 * @param maxTokens   generation limit
 * @param sampling    sampling parameters
 * @param stops       stop strings (not emitted)
 * @param ignoreEos   keep generating through end-of-sequence tokens (benchmarks)
 * @param compression how the KV cache is compressed
 * @param cachePrompt may continue a kept conversation's cache, and leaves its own for a later one
 *                    (llama.cpp's {@code cache_prompt}); see {@link PromptCache}
 */
public record InferenceJob(int[] prompt, int maxTokens, SamplingParams sampling, List<String> stops, boolean ignoreEos,
                           CompressionSpec compression, boolean cachePrompt) {
    public InferenceJob {
        stops = stops == null ? List.of() : List.copyOf(stops);
        if (compression == null) compression = CompressionSpec.NONE;
    }

    /** A job that may use the prompt cache. */
    public InferenceJob(int[] prompt, int maxTokens, SamplingParams sampling, List<String> stops, boolean ignoreEos,
                        CompressionSpec compression) {
        this(prompt, maxTokens, sampling, stops, ignoreEos, compression, true);
    }

    GenerationRequest toRequest() {
        return GenerationRequest.of(prompt, maxTokens, sampling).withStopStrings(stops).withIgnoreEos(ignoreEos);
    }
}
