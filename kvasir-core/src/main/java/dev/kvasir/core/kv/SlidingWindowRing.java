package dev.kvasir.core.kv;

/**
 * The KV head of a sliding-window (local) layer: it keeps only the last {@code window} tokens,
 * so its memory is bounded whatever the context.
 *
 * <p>Between forward calls the head holds at most {@code window} slots. A single new token
 * (decode) overwrites the slot of the token that just left the window, ring fashion: the slots
 * then hold positions p − window + 1 .. p in rotated order, which decode attention (a sum over
 * slots) does not mind. A chunk of several tokens (prefill) needs the window of each of its
 * tokens in position order: the head is first cut to the last window − 1 positions, in position
 * order, with room for the chunk ({@link #beforeChunk}), attention gives token b the slots of
 * its own window, and {@link #afterChunk} cuts the head back to the last {@code window} slots.
 * Slots are never merged or evicted by presses, so a local head's positions are contiguous.
 */
public final class SlidingWindowRing {
    private SlidingWindowRing() {}

    /**
     * Prepares the head for {@code batch} tokens at positions {@code pos0 ..}: a single token on a
     * full ring needs nothing; otherwise the head keeps, in position order, the positions the
     * chunk's first token can see (pos0 − window + 1 ..) and gets room for the chunk.
     */
    public static void beforeChunk(HeadCache h, int window, int pos0, int batch) {
        if (batch == 1 && h.size() >= window) return;
        if (batch == 1 && h.size() > 0 && h.position(h.size() - 1) == pos0 - 1) {
            // decode on a ring not yet full (in position order): grow, but never past the window
            int size = h.size();
            h.reserve(Math.min(window, Math.max(size + 1, size + (size >> 1) + 16)) - size);
            return;
        }
        int first = pos0 - (window - 1);
        int n = h.size();
        boolean ordered = true;
        int keep = 0;
        for (int s = 0; s < n; s++) {
            if (s > 0 && h.position(s) < h.position(s - 1)) ordered = false;
            if (h.position(s) >= first) keep++;
        }
        if (ordered && keep == n) {
            h.reserve(batch);
            return;
        }
        int[] slots = new int[keep];
        int k = 0;
        for (int s = 0; s < n; s++) if (h.position(s) >= first) slots[k++] = s;
        h.retain(slots, keep, batch);
    }

    /**
     * Stores the key and value of a single new token (decode; a chunk's tokens are appended after
     * {@link #beforeChunk}) at {@code position}: appended while the ring is not
     * full, else over the slot of position − window (slot i of a full ring holds a position
     * congruent to position(0) + i modulo the window). Returns the slot.
     */
    public static int put(HeadCache h, int window, float[] k, int kOff, float[] v, int vOff, int position) {
        if (h.size() < window) return h.append(k, kOff, v, vOff, position);
        int slot = Math.floorMod(position - h.position(0), window);
        if (h.position(slot) != position - window) {
            throw new IllegalStateException("sliding-window ring out of order: slot " + slot + " holds position "
                    + h.position(slot) + ", expected " + (position - window));
        }
        h.replace(slot, k, kOff, v, vOff, position);
        return slot;
    }

    /** After a chunk: keeps the last {@code window} slots (the head is in position order then), releasing the rest. */
    public static void afterChunk(HeadCache h, int window) {
        int n = h.size();
        if (n <= window) return;
        int[] slots = new int[window];
        for (int i = 0; i < window; i++) slots[i] = n - window + i;
        h.retain(slots, window, 0);
    }

    /**
     * Rolls the head back to the tokens before {@code nextPosition}. Possible only while the
     * window of position nextPosition − 1 is still held (no later token has overwritten it).
     *
     * @throws IllegalStateException when the window has moved past the requested position
     */
    public static void rollBack(HeadCache h, int window, int nextPosition) {
        int n = h.size(), keep = 0, min = Integer.MAX_VALUE;
        for (int s = 0; s < n; s++) {
            if (h.position(s) < nextPosition) {
                keep++;
                min = Math.min(min, h.position(s));
            }
        }
        int need = Math.max(0, nextPosition - (window - 1));
        boolean covered = keep == 0 ? nextPosition == 0 : min <= need && keep == nextPosition - min;
        if (!covered) {
            throw new IllegalStateException("cannot roll a sliding-window layer back to position " + nextPosition
                    + ": later tokens have replaced part of its " + window + "-token window (take a mark() before, and restore it)");
        }
        int[] slots = new int[keep];
        int k = 0;
        for (int s = 0; s < n; s++) if (h.position(s) < nextPosition) slots[k++] = s;
        h.retain(slots, keep, 0);
    }
}
