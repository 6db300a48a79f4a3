package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;

import java.util.function.IntFunction;

/**
 * Compression during generation. The engine calls {@link #afterDecodeStep} after every decode
 * step, once the new token's K/V have been appended to the cache; the function gives, for a
 * layer, the new query's attention row per query head over the current slots of that query
 * head's KV head ({@code [queryHead][slots]}, slots include the new token). It is called lazily
 * and only for the layers the press needs.
 *
 * <p>Every {@code decode-interval} steps, heads holding more than {@code maxTokens} slots are
 * reduced to {@code maxTokens}; so at the end of any step a head holds at most
 * maxTokens + interval − 1 slots (exactly ≤ maxTokens with the default interval 1).
 */
public interface DecodePress {

    void afterDecodeStep(KvCache cache, IntFunction<float[][]> lastQueryRowsForLayer);

    /** Forgets per-sequence state (accumulated scores, step counter, prefill capacity). */
    void reset();
}
