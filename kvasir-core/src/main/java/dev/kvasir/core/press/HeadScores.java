package dev.kvasir.core.press;

/**
 * Scores of the selectable (unprotected) slots of one KV head, {@code values[j - lo]} for slot j,
 * with the descending order computed once on demand and shared by allocators and selection.
 */
final class HeadScores {
    final float[] values;
    private int[] order;
    private int[] sortedKeys;

    HeadScores(float[] values) {
        this.values = values;
    }

    int size() { return values.length; }

    /** Indices into {@link #values}, best first (see {@link Ranking} for ties). */
    int[] order() {
        if (order == null) order = Ranking.descending(values);
        return order;
    }

    /** {@link Ranking#sortable} keys of the values in descending order. */
    int[] sortedKeys() {
        if (sortedKeys == null) {
            int[] o = order();
            sortedKeys = new int[o.length];
            for (int i = 0; i < o.length; i++) sortedKeys[i] = Ranking.sortable(values[o[i]]);
        }
        return sortedKeys;
    }

    /** How many values have a sortable key ≥ {@code key}: a binary search in the sorted keys. */
    int countAtLeast(long key) {
        int[] k = sortedKeys();
        int lo = 0, hi = k.length; // k is descending: find the first index with k[i] < key
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (k[mid] >= key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
