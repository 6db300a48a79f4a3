package dev.kvasir.core.kv;

/**
 * The KV cache of one sequence: per layer and per KV head a {@link HeadCache} of variable
 * length. {@link #nextPosition()} is the absolute position of the next token, which keeps
 * counting from the original prompt length after compression (as kvpress and KVCache-Factory
 * do): kept keys keep their RoPE rotation, new tokens get their true positions.
 */
public final class KvCache {
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private KvPrecision keyPrecision;
    private KvPrecision valuePrecision;
    private final HeadCache[][] heads;
    /** Tokens a local layer keeps (0: no sliding-window layers). */
    private final int window;
    /** local[l]: layer l is a sliding-window layer; null when every layer is global. */
    private final boolean[] local;
    /** The model layer of each layer of this cache when it is a {@link #compressibleView()}, else null. */
    private final int[] modelLayers;
    private int nextPosition;

    public KvCache(int layers, int kvHeads, int headDim, KvPrecision precision, int initialCapacity) {
        this(layers, kvHeads, headDim, precision, precision, initialCapacity);
    }

    /** A cache whose keys and values may be stored at different precisions (every layer global). */
    public KvCache(int layers, int kvHeads, int headDim, KvPrecision keyPrecision, KvPrecision valuePrecision, int initialCapacity) {
        this(layers, kvHeads, headDim, keyPrecision, valuePrecision, initialCapacity, 0, null);
    }

    /**
     * A cache whose layers {@code l} with {@code local[l]} keep only the last {@code window}
     * tokens ({@code local} null: every layer global).
     */
    public KvCache(int layers, int kvHeads, int headDim, KvPrecision precision, int initialCapacity, int window, boolean[] local) {
        this(layers, kvHeads, headDim, precision, precision, initialCapacity, window, local);
    }

    /**
     * Keys and values at their own precisions, and sliding-window layers: local[l] layers keep
     * only the last {@code window} tokens ({@code local} null: every layer global). A local
     * layer's ring overwrites a slot in place ({@link HeadCache#replace}), which every store
     * supports: Q8 and Q4 quantise each slot on its own, and a KIVI store takes the overwritten slot
     * back into its F16 residual window until a group fills, so local layers are held at the same
     * precisions as the global ones.
     */
    public KvCache(int layers, int kvHeads, int headDim, KvPrecision keyPrecision, KvPrecision valuePrecision, int initialCapacity,
                   int window, boolean[] local) {
        if (local != null && (local.length != layers || window < 2)) {
            throw new IllegalArgumentException("sliding-window layers: " + local.length + " flags for " + layers
                    + " layers, window " + window);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keyPrecision = keyPrecision;
        this.valuePrecision = valuePrecision;
        this.window = local == null ? 0 : window;
        this.local = local == null ? null : local.clone();
        this.modelLayers = null;
        this.heads = new HeadCache[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            int cap = isLocal(l) ? Math.min(initialCapacity, window) : initialCapacity;
            for (int h = 0; h < kvHeads; h++) heads[l][h] = new HeadCache(keyPrecision, valuePrecision, headDim, cap);
        }
    }

    /** The view of {@link #compressibleView()}: shares the global layers' heads. */
    private KvCache(KvCache whole, int[] globalLayers) {
        this.layers = globalLayers.length;
        this.kvHeads = whole.kvHeads;
        this.headDim = whole.headDim;
        this.keyPrecision = whole.keyPrecision;
        this.valuePrecision = whole.valuePrecision;
        this.window = 0;
        this.local = null;
        this.modelLayers = globalLayers;
        this.heads = new HeadCache[layers][];
        for (int i = 0; i < layers; i++) heads[i] = whole.heads[globalLayers[i]];
        this.nextPosition = whole.nextPosition;
    }

    /**
     * Re-stores every head's keys and values at the given precisions ({@link HeadCache#storeAs}),
     * the sliding-window layers' rings included: a prompt prefilled and compressed at full
     * precision is quantised once, its kept slots' positions and masses unchanged.
     */
    public void storeAs(KvPrecision keys, KvPrecision values) {
        if (modelLayers != null) throw new IllegalStateException("re-store the whole cache, not its compressible view");
        if (keys == keyPrecision && values == valuePrecision) return;
        for (HeadCache[] l : heads) for (HeadCache h : l) h.storeAs(keys, values);
        keyPrecision = keys;
        valuePrecision = values;
    }

    /** True when layer {@code l} is a sliding-window layer (keeps only {@link #window()} tokens). */
    public boolean isLocal(int l) { return local != null && local[l]; }

    /** Tokens a sliding-window layer keeps; 0 when the cache has none. */
    public int window() { return window; }

    /** True when some layers are sliding-window layers. */
    public boolean hasLocalLayers() { return local != null; }

    /** The layers that hold the whole context (model layer indices, ascending). */
    public int[] globalLayers() {
        int n = 0;
        for (int l = 0; l < layers; l++) if (!isLocal(l)) n++;
        int[] out = new int[n];
        n = 0;
        for (int l = 0; l < layers; l++) if (!isLocal(l)) out[n++] = l;
        return out;
    }

    /** The sliding-window layers (model layer indices, ascending). */
    public int[] localLayers() {
        int n = 0;
        for (int l = 0; l < layers; l++) if (isLocal(l)) n++;
        int[] out = new int[n];
        n = 0;
        for (int l = 0; l < layers; l++) if (isLocal(l)) out[n++] = l;
        return out;
    }

    /**
     * What presses compress: this cache itself when every layer is global; otherwise a cache of
     * the global layers only, sharing their heads (compressing the view compresses this cache),
     * so that budgets (fractions, tokens per head, per-layer divisions) are computed over the
     * layers that hold the whole context. Layer i of the view is model layer
     * {@link #modelLayer(int) modelLayer(i)}.
     */
    public KvCache compressibleView() {
        return local == null ? this : new KvCache(this, globalLayers());
    }

    /** The model layer of layer {@code l} of this cache (the same index unless this is a {@link #compressibleView()}). */
    public int modelLayer(int l) { return modelLayers == null ? l : modelLayers[l]; }

    /** An independent deep copy: prefill once, then compress copies with different methods and budgets. */
    public KvCache copy() {
        if (modelLayers != null) throw new IllegalStateException("copy the whole cache, not its compressible view");
        KvCache c = new KvCache(layers, kvHeads, headDim, keyPrecision, valuePrecision, 1, window, local);
        for (int l = 0; l < layers; l++) for (int h = 0; h < kvHeads; h++) c.heads[l][h] = heads[l][h].copy();
        c.nextPosition = nextPosition;
        return c;
    }

    public int layers() { return layers; }

    public int kvHeads() { return kvHeads; }

    public int headDim() { return headDim; }

    /** The keys' precision (the values' may differ: {@link #valuePrecision()}). */
    public KvPrecision precision() { return keyPrecision; }

    public KvPrecision keyPrecision() { return keyPrecision; }

    public KvPrecision valuePrecision() { return valuePrecision; }

    /** "q8", or "k=q8,v=q4" when keys and values differ: the precision reports name. */
    public String precisionLabel() {
        return label(keyPrecision, valuePrecision);
    }

    public static String label(KvPrecision keys, KvPrecision values) {
        return keys == values ? keys.label() : "k=" + keys.label() + ",v=" + values.label();
    }

    public HeadCache head(int layer, int kvHead) { return heads[layer][kvHead]; }

    public HeadCache[] layer(int layer) { return heads[layer]; }

    /** Absolute position the next token will get. */
    public int nextPosition() { return nextPosition; }

    public void advance(int tokens) { nextPosition += tokens; }

    public void setNextPosition(int p) { nextPosition = p; }

    /** Total slots over all layers and heads. */
    public long totalSlots() {
        long n = 0;
        for (HeadCache[] l : heads) for (HeadCache h : l) n += h.size();
        return n;
    }

    /** Slots in use per layer (summed over KV heads). */
    public int[] slotsPerLayer() {
        int[] out = new int[layers];
        for (int l = 0; l < layers; l++) for (HeadCache h : heads[l]) out[l] += h.size();
        return out;
    }

    /** Bytes of keys and values in use. */
    public long usedBytes() {
        long n = 0;
        for (HeadCache[] l : heads) for (HeadCache h : l) n += h.usedBytes();
        return n;
    }

    /** Bytes allocated (capacity), the resident size of the cache. */
    public long allocatedBytes() {
        long n = 0;
        for (HeadCache[] l : heads) for (HeadCache h : l) n += h.bytes();
        return n;
    }

    /** Bytes a full cache of {@code tokens} tokens would take in keys and values (sliding-window layers hold at most their window). */
    public long fullBytes(int tokens) {
        long slots = 0;
        for (int l = 0; l < layers; l++) slots += isLocal(l) ? Math.min(tokens, window) : tokens;
        return slots * kvHeads * (keyPrecision.bytesPerVector(headDim) + valuePrecision.bytesPerVector(headDim));
    }

    /** {@link HeadCache#reserve} on every head: room for {@code extra} more tokens without reallocating (a local layer never needs more than its window). */
    public void reserve(int extra) {
        for (int l = 0; l < layers; l++) {
            for (HeadCache h : heads[l]) h.reserve(isLocal(l) ? Math.max(0, Math.min(extra, window - h.size())) : extra);
        }
    }

    /**
     * Rolls every head back to its first {@code slots} slots and sets the next position; a
     * sliding-window layer rolls back to the tokens before {@code nextPosition}, which it can
     * while later tokens have not overwritten that window ({@link SlidingWindowRing#rollBack}).
     */
    public void truncate(int slots, int nextPosition) {
        for (int l = 0; l < layers; l++) {
            for (HeadCache h : heads[l]) {
                if (isLocal(l)) SlidingWindowRing.rollBack(h, window, nextPosition);
                else h.truncate(Math.min(slots, h.size()));
            }
        }
        this.nextPosition = nextPosition;
    }

    /**
     * A point to come back to with {@link #restore(Mark)}: the slot counts of the global layers
     * and a copy of each sliding-window head (a ring overwrites what a later rollback would need),
     * with the key and value precisions the heads were stored in then.
     */
    public record Mark(int[][] sizes, HeadCache[][] localHeads, int nextPosition, KvPrecision keyPrecision,
                       KvPrecision valuePrecision) {}

    public Mark mark() {
        HeadCache[][] saved = new HeadCache[layers][];
        for (int l = 0; l < layers; l++) {
            if (!isLocal(l)) continue;
            saved[l] = new HeadCache[kvHeads];
            for (int h = 0; h < kvHeads; h++) saved[l][h] = heads[l][h].copy();
        }
        return new Mark(sizes(), saved, nextPosition, keyPrecision, valuePrecision);
    }

    /**
     * Back to {@code m}: global heads truncated to their marked slot counts, local heads restored
     * from their copies.
     *
     * @throws IllegalStateException when the cache has been re-stored ({@link #storeAs}) at other
     *                               precisions since the mark: its local copies would bring the old ones back
     */
    public void restore(Mark m) {
        if (m.keyPrecision() != keyPrecision || m.valuePrecision() != valuePrecision) {
            throw new IllegalStateException("the mark was taken with the cache stored as " + label(m.keyPrecision(), m.valuePrecision())
                    + ", it is now " + precisionLabel() + ": take the mark after storeAs");
        }
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                if (isLocal(l)) heads[l][h] = m.localHeads()[l][h].copy();
                else heads[l][h].truncate(m.sizes()[l][h]);
            }
        }
        this.nextPosition = m.nextPosition();
    }

    /** Slots per [layer][kvHead]: a mark to roll back to with {@link #truncate(int[][], int)}. */
    public int[][] sizes() {
        int[][] out = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) for (int h = 0; h < kvHeads; h++) out[l][h] = heads[l][h].size();
        return out;
    }

    /**
     * Rolls every head back to the slot count recorded by {@link #sizes()}; sliding-window heads
     * roll back by position (see {@link #truncate(int, int)}; {@link #mark()} always works).
     */
    public void truncate(int[][] sizes, int nextPosition) {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                if (isLocal(l)) SlidingWindowRing.rollBack(heads[l][h], window, nextPosition);
                else heads[l][h].truncate(sizes[l][h]);
            }
        }
        this.nextPosition = nextPosition;
    }

    /** Removes every slot, e.g. before a new request reuses the cache. */
    public void clear() {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) heads[l][h] = new HeadCache(keyPrecision, valuePrecision, headDim, 16);
        }
        nextPosition = 0;
    }
}
