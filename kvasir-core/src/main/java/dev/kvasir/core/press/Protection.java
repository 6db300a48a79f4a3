package dev.kvasir.core.press;

/**
 * Slots that are always kept and count toward the budget: the first {@code sinks} slots
 * (StreamingLLM's attention sinks) and the last {@code window} slots (SnapKV's observation window,
 * H2O's recent part). The window is either absolute or a share of the per-head capacity C (H2O's
 * recent_size = share·C). The unprotected slots form one contiguous range [lo, hi), where the
 * scorer, the allocator and the selection work.
 *
 * <p>When C is smaller than sinks + window, sinks are kept first, then the most recent tokens.
 */
public record Protection(int sinks, int window, double windowShare) {
    public static final Protection NONE = new Protection(0, 0, 0);

    public Protection {
        if (sinks < 0 || window < 0) throw new IllegalArgumentException("sinks and window must be >= 0");
        if (!(windowShare >= 0 && windowShare <= 1)) throw new IllegalArgumentException("window share must be in [0, 1]");
    }

    public static Protection of(int sinks, int window) { return new Protection(sinks, window, 0); }

    /** Sinks plus a recent window of {@code share}·C slots. */
    public static Protection shareOfBudget(int sinks, double share) { return new Protection(sinks, 0, share); }

    /** The selectable range [lo, hi) of a head of {@code tokens} slots under capacity C. */
    public Range fit(int tokens, int capacity) {
        int c = Math.max(0, Math.min(capacity, tokens));
        int s = Math.min(sinks, c);
        int w = windowShare > 0 ? (int) Math.round(windowShare * c) : window;
        w = Math.min(w, c - s);
        return new Range(s, tokens - w);
    }

    public record Range(int lo, int hi) {
        public int selectable() { return hi - lo; }
    }
}
