package dev.kvasir.server.engine;

import dev.kvasir.core.generate.SamplingParams;

import java.util.List;

/**
 * One KV-cache inspection the server was asked for, already tokenized and validated: the prompt
 * is prefilled once and compressed by each method on its own copy of the cache.
 *
 * @param prompt    prompt token ids
 * @param methods   one or more compressions to compare (each compresses)
 * @param maxTokens answer tokens to generate after each compression; 0 for none
 * @param sampling  sampling parameters of the answers
 */
public record InspectionJob(int[] prompt, List<CompressionSpec> methods, int maxTokens, SamplingParams sampling) {
    public InspectionJob {
        methods = List.copyOf(methods);
        if (methods.isEmpty()) throw new IllegalArgumentException("an inspection needs at least one method");
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
    }
}
