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

    /**
     * What ran, as every table, figure, JSON report and server response names it: the registry
     * name, followed by each option whose value differs from its default (the paper's), e.g.
     * {@code kvmerger} or {@code kvmerger:heavy-score=window}. Computed in one place,
     * {@link Presses#label}.
     */
    default String label() { return Presses.label(name(), options()); }

    /** The observation window assumed for a press without a {@code window} option (SnapKV's and KVMerger's 32). */
    int DEFAULT_WINDOW = 32;

    /**
     * Prompts shorter than this are not compressed ({@link #compressOrSkip}): 2·max(window, 32),
     * window being the press's {@code window} option (observation or recent window) when it has
     * one, or the {@code min-prompt} option. Below it the window and the protected tokens are most
     * of the prompt and what is left to select from is a handful of tokens whose statistics are
     * noise: a 32-token chat question compressed to 35 % loses its meaning with every method,
     * while its whole cache is a few hundred kilobytes.
     */
    default int minPromptTokens() {
        String given = options().get(Options.MIN_PROMPT);
        if (given != null && !given.equals("auto")) return Integer.parseInt(given);
        String window = options().get("window");
        int w = window != null && !window.isEmpty() && window.chars().allMatch(Character::isDigit) ? Integer.parseInt(window) : 0;
        return (int) Math.min(Integer.MAX_VALUE, 2L * Math.max(w, DEFAULT_WINDOW));
    }

    /**
     * {@link #compress} a freshly prefilled prompt, unless it is shorter than
     * {@link #minPromptTokens()}: then the cache is left whole and the report says
     * {@code skipped: prompt shorter than N tokens}. The entry point of the engine.
     */
    default CompressionReport compressOrSkip(KvCache cache, IntFunction<AttentionStats> statsForLayer, Budget budget) {
        KvCache view = cache.compressibleView();
        if (view != cache) {
            // sliding-window layers (Gemma 3) keep only their window whatever the press: the press sees, and its
            // budget counts, the layers that hold the whole context; the report names both kinds
            return compressOrSkip(view, layer -> statsForLayer.apply(view.modelLayer(layer)), budget)
                    .withSlidingLayers(CompressionReport.SlidingLayers.of(cache));
        }
        int t = cache.layers() == 0 ? 0 : cache.head(0, 0).size();
        int min = minPromptTokens();
        if (t >= min) return compress(cache, statsForLayer, budget);
        return new ReportBuilder(this, cache, budget).skip("prompt shorter than " + min + " tokens").finish(cache, t);
    }

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
