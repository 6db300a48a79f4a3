package dev.kvasir.core.generate;

import dev.kvasir.core.press.CompressionReport;

/**
 * The outcome of one generation.
 *
 * @param text          generated text (stop string excluded)
 * @param tokens        generated token ids (a stopping EOS excluded)
 * @param promptTokens  tokens prefilled
 * @param prefillMs     wall time of the prefill
 * @param decodeMs      wall time of the decode steps
 * @param finishReason  "stop" (EOS or stop string), "length" (max tokens) or "cancelled"
 * @param kv            what compression did, or null without a press
 * @param kvBytes       bytes of keys and values in the cache at the end
 * @param kvBytesHeld   bytes the cache's stores held when decoding began (keys, values, positions, masses, and
 *                      the room reserved for the question and the reply), measured from the stores: the memory
 *                      a configuration costs, comparable between the full and compressed caches
 */
public record GenerationResult(String text, int[] tokens, int promptTokens, double prefillMs, double decodeMs,
                               int decodeSteps, String finishReason, CompressionReport kv, long kvBytes, long kvBytesHeld) {
    public double prefillTokensPerSecond() {
        return prefillMs > 0 ? promptTokens / (prefillMs / 1000.0) : 0;
    }

    public double decodeTokensPerSecond() {
        return decodeMs > 0 ? decodeSteps / (decodeMs / 1000.0) : 0;
    }
}
