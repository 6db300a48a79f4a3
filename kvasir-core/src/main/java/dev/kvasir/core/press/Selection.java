package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;

/** Turning scores into kept slots. */
final class Selection {
    /** Free slots left after a compression for the tokens decode appends (the rest of the memory is released). */
    static final int HEADROOM = 16;

    private Selection() {}

    /**
     * Kept mask of a head of {@code size} slots: the protected slots [0, lo) and [hi, size), plus the
     * best {@code k} of [lo, hi) according to {@code order} (indices into the range, best first).
     */
    static boolean[] mask(int size, int lo, int hi, int[] order, int k) {
        boolean[] kept = new boolean[size];
        for (int j = 0; j < lo; j++) kept[j] = true;
        for (int j = hi; j < size; j++) kept[j] = true;
        for (int i = 0; i < Math.min(k, hi - lo); i++) kept[lo + order[i]] = true;
        return kept;
    }

    /** Indices of the true entries, ascending. */
    static int[] indices(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) if (b) n++;
        int[] out = new int[n];
        n = 0;
        for (int j = 0; j < mask.length; j++) if (mask[j]) out[n++] = j;
        return out;
    }

    /** 0..n-1. */
    static int[] all(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }

    /** Retains the slots of {@code mask} (no-op when everything is kept); returns the kept count. */
    static int retain(HeadCache head, boolean[] mask) {
        int[] idx = indices(mask);
        if (idx.length < head.size()) head.retain(idx, idx.length, HEADROOM);
        return idx.length;
    }

    /** T, the slots of every head of a freshly prefilled cache, or a clear failure. */
    static int uniformTokens(KvCache cache, String who) {
        int t = cache.head(0, 0).size();
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int n = cache.head(l, h).size();
                if (n != t) throw new IllegalStateException(who + " expects a freshly prefilled cache with the same number of slots in every head, "
                        + "but layer " + l + " head " + h + " has " + n + " and layer 0 head 0 has " + t);
            }
        }
        return t;
    }

    static void checkStats(AttentionStats st, int layer, int tokens, KvCache cache, String who) {
        if (st == null) throw new IllegalStateException(who + ": the engine gave no attention statistics for layer " + layer);
        if (st.tokens() != tokens) throw new IllegalStateException(who + ": statistics of layer " + layer + " cover " + st.tokens() + " slots, the cache holds " + tokens);
        if (st.kvHeads() != cache.kvHeads()) throw new IllegalStateException(who + ": statistics of layer " + layer + " are for " + st.kvHeads() + " KV heads, the cache has " + cache.kvHeads());
    }
}
