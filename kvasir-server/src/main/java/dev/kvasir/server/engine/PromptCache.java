package dev.kvasir.server.engine;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The caches of finished conversations, kept so that a request whose prompt extends one (the next
 * turn of a chat) prefills only what is new (llama.cpp's {@code cache_prompt}). An entry is the
 * token sequence its cache holds, the compression setting it ran with, and the cache itself,
 * which is never changed once kept: a request that reuses it works on a copy
 * ({@link Reuse#copy}), so any number of requests may continue the same conversation at once.
 *
 * <p>Bounded by {@code limitBytes} of allocated cache: the least recently used entries are
 * evicted to make room, and an entry that supersedes another (its tokens extend the other's,
 * with the same compression) replaces it. What a prompt may reuse of an entry is
 * {@link PrefixReuse}'s rule. Thread-safe: the lanes look up and keep entries concurrently.
 */
final class PromptCache {
    /**
     * A kept conversation. {@code tokens} are those whose keys and values the cache holds
     * (positions 0..tokens.length); {@code compressedTokens} is how many of them the press
     * compressed (0 for the full cache), which a reusing prompt must keep whole.
     */
    private record Entry(String key, int[] tokens, KvCache cache, int compressedTokens, long bytes) {
        boolean compressed() { return !key.equals(CompressionSpec.NONE.key()); }
    }

    /**
     * What a prompt reuses: the first {@code tokens} positions of a kept cache whose first
     * {@code compressedTokens} were compressed.
     */
    static final class Reuse {
        private final KvCache source;
        private final int tokens;
        private final int compressedTokens;

        private Reuse(KvCache source, int tokens, int compressedTokens) {
            this.source = source;
            this.tokens = tokens;
            this.compressedTokens = compressedTokens;
        }

        int tokens() { return tokens; }

        int compressedTokens() { return compressedTokens; }

        /**
         * A private copy of the kept cache without its slots at positions {@code >= tokens()}
         * (merged slots before that keep their mass), with room for {@code headroom} more slots
         * per head; its next position is {@code tokens()}.
         */
        KvCache copy(int headroom) {
            KvCache c = source.copy();
            for (int l = 0; l < c.layers(); l++) {
                for (HeadCache h : c.layer(l)) {
                    int[] keep = new int[h.size()];
                    int n = 0;
                    for (int s = 0; s < h.size(); s++) if (h.position(s) < tokens) keep[n++] = s;
                    h.retain(keep, n, headroom);
                }
            }
            c.setNextPosition(tokens);
            return c;
        }
    }

    private final long limitBytes;
    /** Entries in least recently used first order. */
    private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long nextId;
    private long bytes;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong cachedTokens = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    /** @param limitBytes allocated cache bytes the entries may hold together; 0 keeps nothing */
    PromptCache(long limitBytes) {
        if (limitBytes < 0) throw new IllegalArgumentException("--prompt-cache-memory must be >= 0, got " + limitBytes);
        this.limitBytes = limitBytes;
    }

    boolean enabled() { return limitBytes > 0; }

    /**
     * The entry with the most tokens this prompt may reuse under {@code compression}, or null
     * (counted as a hit or a miss; a hit's tokens are added to {@link #cachedTokens()}).
     */
    Reuse find(CompressionSpec compression, int[] prompt) {
        if (!enabled()) return null;
        String key = compression.key();
        Entry best = null;
        long bestId = -1;
        int bestTokens = 0;
        synchronized (this) {
            for (Map.Entry<Long, Entry> me : entries.entrySet()) {
                Entry e = me.getValue();
                if (!e.key().equals(key)) continue;
                int n = reusable(e, prompt);
                if (n > bestTokens) {
                    best = e;
                    bestId = me.getKey();
                    bestTokens = n;
                }
            }
            if (best != null) entries.get(bestId); // most recently used now
        }
        if (best == null) {
            misses.incrementAndGet();
            return null;
        }
        hits.incrementAndGet();
        cachedTokens.addAndGet(bestTokens);
        return new Reuse(best.cache(), bestTokens, best.compressedTokens());
    }

    private static int reusable(Entry e, int[] prompt) {
        int common = Arrays.mismatch(e.tokens(), prompt);
        if (common < 0) common = prompt.length; // the same tokens
        return e.compressed()
                ? PrefixReuse.compressedCacheReuse(common, e.tokens().length, e.compressedTokens(), prompt.length)
                : PrefixReuse.fullCacheReuse(common, e.tokens().length, prompt.length);
    }

    /**
     * Keeps the cache of a sequence that finished: {@code history[0..)} are the tokens it was fed
     * in order (the prompt, then the reply tokens that went into the cache), {@code promptTokens}
     * of them the prompt. Takes {@code cache} over (the caller must not touch it again). A full
     * cache keeps only its {@link PrefixReuse#exactPrefix}; a compressed one all it holds.
     * Caches of models with sliding-window layers are not kept: their rings cannot be rolled back
     * past the reply that overwrote them.
     */
    void keep(CompressionSpec compression, int[] history, int promptTokens, KvCache cache, int compressedTokens) {
        if (!enabled() || cache.hasLocalLayers()) return;
        int n = compression.compresses() ? cache.nextPosition() : PrefixReuse.exactPrefix(promptTokens);
        if (n <= 0) return;
        if (!compression.compresses()) cache.truncate(n, n);
        for (int l = 0; l < cache.layers(); l++) for (HeadCache h : cache.layer(l)) h.trim(0); // the reply's room goes back
        Entry e = new Entry(compression.key(), Arrays.copyOf(history, n), cache, compressedTokens, cache.allocatedBytes());
        if (e.bytes() > limitBytes) return;
        synchronized (this) {
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
                Entry old = it.next();
                if (supersedes(e, old)) {
                    it.remove();
                    bytes -= old.bytes();
                }
            }
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && bytes + e.bytes() > limitBytes; ) {
                Entry old = it.next();
                it.remove();
                bytes -= old.bytes();
                evictions.incrementAndGet();
            }
            entries.put(nextId++, e);
            bytes += e.bytes();
        }
    }

    /** Every prompt {@code old} serves, {@code e} serves as well: its tokens extend old's, with the same compression. */
    private static boolean supersedes(Entry e, Entry old) {
        return old.key().equals(e.key()) && old.compressedTokens() == e.compressedTokens() && old.tokens().length <= e.tokens().length
                && Arrays.equals(old.tokens(), 0, old.tokens().length, e.tokens(), 0, old.tokens().length);
    }

    long limitBytes() { return limitBytes; }

    synchronized long bytes() { return bytes; }

    synchronized int entries() { return entries.size(); }

    long hits() { return hits.get(); }

    long misses() { return misses.get(); }

    /** Prompt tokens not prefilled thanks to reuse, since start. */
    long cachedTokens() { return cachedTokens.get(); }

    long evictions() { return evictions.get(); }
}
