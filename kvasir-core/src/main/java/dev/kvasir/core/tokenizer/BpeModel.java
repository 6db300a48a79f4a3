package dev.kvasir.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rank-based BPE on one pre-tokenized word, as in Hugging Face's BPE model and llama.cpp's
 * llm_tokenizer_bpe: start from one symbol per character, repeatedly apply the lowest-ranked
 * merge among adjacent pairs (leftmost on ties). Symbols form a linked list and candidate
 * merges sit in a heap, so a word of n characters costs O(n log n), not O(n^2).
 */
final class BpeModel {
    private static final int CACHE_LIMIT = 65_536;
    private static final int CACHEABLE_LENGTH = 64;

    private final Vocabulary vocab;
    private final MergeTable merges;
    private final boolean ignoreMerges;
    private final boolean byteFallback;
    private final int unknown;
    private final boolean fuseUnknown;
    private final int[] charIds = new int[0x10000];
    // pre-tokenized words repeat a lot in real text; cache their ids (cleared when full)
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param ignoreMerges a word that is itself a vocabulary entry becomes that token without
     *        merging (Llama 3; some entries are not reachable by the merges)
     * @param byteFallback characters missing from the vocabulary become {@code <0xNN>} tokens
     * @param unknown the id for characters that cannot be encoded, or -1 to drop them
     * @param fuseUnknown consecutive unknown characters give one unknown token
     */
    BpeModel(Vocabulary vocab, MergeTable merges, boolean ignoreMerges, boolean byteFallback, int unknown, boolean fuseUnknown) {
        this.vocab = vocab;
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
        this.byteFallback = byteFallback;
        this.unknown = unknown;
        this.fuseUnknown = fuseUnknown;
        for (int c = 0; c < charIds.length; c++) {
            charIds[c] = Character.isSurrogate((char) c) ? -1 : vocab.id(String.valueOf((char) c));
        }
    }

    void encode(String word, IntList out) {
        if (word.isEmpty()) return;
        boolean cacheable = word.length() <= CACHEABLE_LENGTH;
        if (cacheable) {
            int[] hit = cache.get(word);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        int[] ids = encodeUncached(word);
        if (cacheable) {
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(word, ids);
        }
        out.addAll(ids);
    }

    private int[] encodeUncached(String word) {
        if (ignoreMerges) {
            int whole = vocab.id(word);
            if (whole >= 0) return new int[] {whole};
        }
        int[] ids = initialSymbols(word);
        int n = ids.length;
        if (n < 2) return ids;
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) push(heap, ids, next, i);
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32), i = (int) top;
            int j = next[i];
            // stale candidates: the left symbol was absorbed, or the pair changed since queued
            if (ids[i] < 0 || j < 0) continue;
            int slot = merges.find(ids[i], ids[j]);
            if (slot < 0 || merges.rank(slot) != rank) continue;
            ids[i] = merges.result(slot);
            ids[j] = -1;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            alive--;
            if (prev[i] >= 0) push(heap, ids, next, prev[i]);
            push(heap, ids, next, i);
        }
        int[] result = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) result[k++] = ids[i];
        return result;
    }

    private void push(LongHeap heap, int[] ids, int[] next, int i) {
        int j = next[i];
        if (j < 0) return;
        int slot = merges.find(ids[i], ids[j]);
        if (slot >= 0) heap.add(((long) merges.rank(slot) << 32) | i);
    }

    /** One symbol per character; characters outside the vocabulary fall back to bytes or unknown. */
    private int[] initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        boolean previousUnknown = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int len = Character.charCount(cp);
            int id = cp < 0x10000 ? charIds[cp] : vocab.id(word.substring(i, i + len));
            i += len;
            if (id >= 0) {
                symbols.add(id);
                previousUnknown = false;
                continue;
            }
            if (byteFallback && addBytes(Character.toString(cp), symbols)) {
                previousUnknown = false;
                continue;
            }
            if (unknown >= 0 && !(fuseUnknown && previousUnknown)) symbols.add(unknown);
            previousUnknown = unknown >= 0;
        }
        return symbols.toArray();
    }

    private boolean addBytes(String ch, IntList symbols) {
        byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int k = 0; k < bytes.length; k++) {
            ids[k] = vocab.byteToken(bytes[k]);
            if (ids[k] < 0) return false;
        }
        symbols.addAll(ids);
        return true;
    }
}
