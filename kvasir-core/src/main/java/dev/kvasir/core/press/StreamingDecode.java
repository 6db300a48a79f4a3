package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

/**
 * StreamingLLM (Xiao et al., ICLR 2024) during generation: the first {@code sinks} slots plus the
 * most recent ones (at least the newest token, even when maxTokens ≤ sinks).
 */
final class StreamingDecode extends DecodeEviction {
    private final int sinks;

    StreamingDecode(int maxTokens, int interval, int sinks) {
        super(maxTokens, interval);
        this.sinks = sinks;
    }

    @Override int[] choose(int layer, int kvHead, HeadCache head, int max, float[] ignored) {
        int n = head.size();
        int s = Math.min(sinks, max - 1); // the newest token always stays
        int[] keep = new int[max];
        for (int i = 0; i < s; i++) keep[i] = i;
        for (int i = s; i < max; i++) keep[i] = n - (max - i);
        return keep;
    }
}
