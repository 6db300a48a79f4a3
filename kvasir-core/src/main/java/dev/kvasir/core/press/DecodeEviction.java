package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;

import java.util.function.IntFunction;

/**
 * Decode-time eviction shared by H2O, TOVA and StreamingLLM: every {@code interval} steps, each
 * KV head holding more than maxTokens slots is cut to maxTokens by the method's rule
 * ({@link #choose}). maxTokens is fixed, or {@code auto}: the per-head capacity C of the prompt
 * budget of the last {@link Press#compress} call (a fixed-size cache, as in the H2O paper); or
 * off. Subclasses may observe every step (H2O accumulates attention).
 */
abstract class DecodeEviction implements DecodePress {
    /** maxTokens option: > 0 fixed, {@link #AUTO}, {@link #OFF}. */
    static final int AUTO = 0, OFF = -1;

    private final int maxTokensOption;
    private final int interval;
    private int prefillCapacity = -1;
    private long steps;

    DecodeEviction(int maxTokensOption, int interval) {
        if (interval < 1) throw new IllegalArgumentException("decode interval must be >= 1, got " + interval);
        this.maxTokensOption = maxTokensOption;
        this.interval = interval;
    }

    /** Parses the {@code decode-max-tokens} option: auto, off or a positive integer. */
    static int parseMaxTokens(Options o) {
        String v = o.string("decode-max-tokens", "auto").toLowerCase(java.util.Locale.ROOT);
        if (v.equals("auto")) return AUTO;
        if (v.equals("off")) return OFF;
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw o.error("decode-max-tokens", v, "is not auto, off or an integer >= 1");
    }

    static int parseInterval(Options o) {
        return o.integer("decode-interval", 1, 1, Integer.MAX_VALUE);
    }

    /** The head size decode keeps, or ≤ 0 when decode compression is off. */
    int maxTokens() {
        return maxTokensOption > 0 ? maxTokensOption : maxTokensOption == AUTO ? prefillCapacity : -1;
    }

    void prefillCapacity(int c) { prefillCapacity = c; }

    /** Statistics this decode rule needs from prefill (H2O: column sums to seed its scores). */
    StatsRequest prefillStats() { return StatsRequest.NONE; }

    /** After prefill selection of one head: {@code kept} are the slots that survive, ascending. */
    void afterPrefill(HeadContext ctx, int[] kept) {}

    /** True when {@link #observe} must see every step's rows. */
    boolean observesEveryStep() { return false; }

    /** True when {@link #choose} needs the current rows. */
    boolean choiceNeedsRows() { return false; }

    void observe(int layer, int kvHead, HeadCache head, float[][] groupRows) {}

    /** The slots to keep (ascending, at most {@code max}) of a head holding more than {@code max}. */
    abstract int[] choose(int layer, int kvHead, HeadCache head, int max, float[] rowScore);

    /** Called after a head was cut to {@code kept}. */
    void retained(int layer, int kvHead, int[] kept) {}

    void clearState() {}

    @Override public void afterDecodeStep(KvCache cache, IntFunction<float[][]> rowsForLayer) {
        int max = maxTokens();
        if (max <= 0) return;
        steps++;
        boolean cut = steps % interval == 0;
        for (int l = 0; l < cache.layers(); l++) {
            float[][] rows = null;
            if (observesEveryStep() || (cut && choiceNeedsRows() && anyOver(cache, l, max))) rows = rowsForLayer.apply(l);
            if (observesEveryStep()) {
                for (int h = 0; h < cache.kvHeads(); h++) observe(l, h, cache.head(l, h), group(rows, cache, l, h));
            }
            if (!cut) continue;
            float[][] layerScores = rows != null && choiceNeedsRows() ? rowScores(rows, cache, l) : null;
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                if (head.size() <= max) continue;
                int[] keep = choose(l, h, head, max, layerScores == null ? null : layerScores[h]);
                head.retain(keep, keep.length, Selection.HEADROOM);
                retained(l, h, keep);
            }
        }
    }

    /** Per-KV-head scores from the rows for {@link #choose}; default: GQA mean of the group. */
    float[][] rowScores(float[][] rows, KvCache cache, int layer) {
        float[][] out = new float[cache.kvHeads()][];
        for (int h = 0; h < out.length; h++) out[h] = GqaAggregation.MEAN.aggregate(group(rows, cache, layer, h), 1)[0];
        return out;
    }

    /** The rows of KV head h's query group, checked against the head's size. */
    static float[][] group(float[][] rows, KvCache cache, int layer, int h) {
        int g = rows.length / cache.kvHeads();
        float[][] out = new float[g][];
        int size = cache.head(layer, h).size();
        for (int i = 0; i < g; i++) {
            out[i] = rows[h * g + i];
            if (out[i].length != size)
                throw new IllegalStateException("decode attention row of layer " + layer + " query head " + (h * g + i) + " has "
                        + out[i].length + " entries but KV head " + h + " holds " + size + " slots");
        }
        return out;
    }

    private static boolean anyOver(KvCache cache, int layer, int max) {
        for (HeadCache h : cache.layer(layer)) if (h.size() > max) return true;
        return false;
    }

    /** Keeps [0, lo) ∪ [hi, size) and the best {@code k} of [lo, hi) by {@code score} (full-length). */
    static int[] keepBest(float[] score, int size, int lo, int hi, int k) {
        float[] range = new float[hi - lo];
        System.arraycopy(score, lo, range, 0, hi - lo);
        return Selection.indices(Selection.mask(size, lo, hi, Ranking.descending(range), k));
    }

    @Override public void reset() {
        steps = 0;
        prefillCapacity = -1;
        clearState();
    }
}
