package dev.kvasir.core.generate;

import java.util.List;

/**
 * What to generate.
 *
 * @param prompt            prompt token ids (already tokenized, BOS included if wanted)
 * @param afterCompression  tokens appended after the prompt has been compressed (kvpress's
 *                          query-agnostic mode puts the question here); may be empty
 * @param maxTokens         upper bound on generated tokens
 * @param sampling          sampling parameters
 * @param stopStrings       generation ends before any of these strings; they are not emitted
 * @param ignoreEos         keep generating through end-of-sequence tokens (benchmarks, goldens)
 */
public record GenerationRequest(int[] prompt, int[] afterCompression, int maxTokens, SamplingParams sampling,
                                List<String> stopStrings, boolean ignoreEos) {
    public GenerationRequest {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: nothing to generate from");
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        if (afterCompression == null) afterCompression = new int[0];
        if (sampling == null) sampling = SamplingParams.greedy();
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    }

    public static GenerationRequest of(int[] prompt, int maxTokens, SamplingParams sampling) {
        return new GenerationRequest(prompt, null, maxTokens, sampling, List.of(), false);
    }

    public GenerationRequest withStopStrings(List<String> stops) {
        return new GenerationRequest(prompt, afterCompression, maxTokens, sampling, stops, ignoreEos);
    }

    public GenerationRequest withIgnoreEos(boolean ignore) {
        return new GenerationRequest(prompt, afterCompression, maxTokens, sampling, stopStrings, ignore);
    }

    public GenerationRequest withAfterCompression(int[] tokens) {
        return new GenerationRequest(prompt, tokens, maxTokens, sampling, stopStrings, ignoreEos);
    }

    public int totalPromptTokens() { return prompt.length + afterCompression.length; }
}
