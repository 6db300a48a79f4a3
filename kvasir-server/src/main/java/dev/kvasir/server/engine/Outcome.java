package dev.kvasir.server.engine;

import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.press.CompressionReport;

/**
 * What became of an admitted job.
 *
 * @param result        the engine's result (text, tokens, timings, compression report)
 * @param cause         why it ended
 * @param kvBytesFull   bytes the prompt's full cache took (before any compression)
 * @param kvBytesKept   bytes the cache's stores held after compression (keys, values, positions, masses,
 *                      headroom); without a press, what they held when decoding began
 * @param kvBytesKeptLogical bytes of the keys and values of the prompt's slots after compression (= full without a press)
 * @param kvBytesAtEnd  bytes of keys and values in the cache when generation ended
 * @param kvPrecision   how the cache decoded from stored keys and values ("q8", "f16", ...); the bytes are of that storage
 * @param cachedTokens  prompt tokens taken from a kept conversation's cache instead of prefilled (OpenAI's
 *                      {@code usage.prompt_tokens_details.cached_tokens}); 0 without reuse
 */
public record Outcome(GenerationResult result, Cause cause, long kvBytesFull, long kvBytesKept, long kvBytesKeptLogical, long kvBytesAtEnd,
                      String kvPrecision, int cachedTokens) {

    /** Why generation ended. */
    public enum Cause {
        /** end of sequence, stop string or max tokens */
        FINISHED,
        /** the request's time limit passed */
        TIMEOUT,
        /** the client went away */
        DISCONNECT
    }

    /** OpenAI's finish_reason: a timeout truncates the answer like a token limit does. */
    public String finishReason() {
        return switch (cause) {
            case FINISHED -> result.finishReason();
            case TIMEOUT -> "length";
            case DISCONNECT -> "cancelled";
        };
    }

    public int completionTokens() { return result.tokens().length; }

    public int promptTokens() { return result.promptTokens(); }

    /** Fraction of the prompt's KV kept, 1 without compression. */
    public double budgetAchieved() {
        CompressionReport kv = result.kv();
        return kv == null ? 1.0 : kv.achievedFraction();
    }

    public String method() {
        CompressionReport kv = result.kv();
        return kv == null ? "none" : kv.method();
    }

    /** What ran ({@link dev.kvasir.core.press.Press#label()}: the method and its departures from the paper), {@code none} without a press. */
    public String label() {
        CompressionReport kv = result.kv();
        return kv == null ? "none" : kv.label();
    }
}
