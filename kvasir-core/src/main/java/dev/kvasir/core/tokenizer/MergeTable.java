package dev.kvasir.core.tokenizer;

/**
 * BPE merge rules: (left id, right id) -> (rank, merged id), in an open-addressing table keyed
 * by the packed pair, so the merge loop does no boxing or string building.
 */
final class MergeTable {
    private long[] keys;
    private int[] ranks;
    private int[] results;
    private int mask;
    private int size;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        ranks = new int[cap];
        results = new int[cap];
        java.util.Arrays.fill(ranks, -1);
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int hash(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return (int) k;
    }

    /** Adds a rule; a pair already present keeps its earlier (better) rank. */
    void add(int left, int right, int rank, int result) {
        if (size * 2 >= keys.length) grow();
        long k = key(left, right);
        int slot = hash(k) & mask;
        while (ranks[slot] >= 0) {
            if (keys[slot] == k) return;
            slot = (slot + 1) & mask;
        }
        keys[slot] = k;
        ranks[slot] = rank;
        results[slot] = result;
        size++;
    }

    /** The slot of a pair's rule, or -1. */
    int find(int left, int right) {
        long k = key(left, right);
        int slot = hash(k) & mask;
        while (ranks[slot] >= 0) {
            if (keys[slot] == k) return slot;
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int result(int slot) {
        return results[slot];
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldRanks = ranks, oldResults = results;
        keys = new long[oldKeys.length * 2];
        ranks = new int[oldKeys.length * 2];
        results = new int[oldKeys.length * 2];
        java.util.Arrays.fill(ranks, -1);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldRanks[i] >= 0) add((int) (oldKeys[i] >>> 32), (int) oldKeys[i], oldRanks[i], oldResults[i]);
        }
    }
}
