package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;

import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * A KV-cache compression method applied once after prefill. The engine asks {@link #statsRequest}
 * which attention statistics to gather during prefill, runs prefill with the full cache, then
 * calls {@link #compress} once; the press physically retains and/or merges slots of the cache
 * (memory is released) and reports what it did. Presses that also act during generation expose
 * a {@link DecodePress} through {@link #decode()}.
 *
 * <p>Presses are built with {@link Presses#create}; an instance carries per-sequence decode
 * state, so use one instance per sequence (or call {@link DecodePress#reset()}).
 */
public interface Press {

    /** Registry name, e.g. {@code snapkv}. */
    String name();

    /** Effective options, defaults included, in a stable order: the variant to name in reports. */
    Map<String, String> options();

    /** Which statistics prefill must gather (the same for every layer). */
    StatsRequest statsRequest(int layers, int queryHeads, int kvHeads, int promptTokens);

    /**
     * Compresses a freshly prefilled cache (every head holds the same T slots, T = prompt length).
     *
     * @param statsForLayer the statistics of layer ℓ gathered as requested (may be called in any
     *                      order, at most once per layer); null arrays for what was not requested
     */
    CompressionReport compress(KvCache cache, IntFunction<AttentionStats> statsForLayer, Budget budget);

    /** The decode-time part of the method, if any (H2O, StreamingLLM, TOVA). */
    default Optional<DecodePress> decode() { return Optional.empty(); }
}
