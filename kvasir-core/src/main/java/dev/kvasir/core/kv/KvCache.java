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
    private int nextPosition;

    public KvCache(int layers, int kvHeads, int headDim, KvPrecision precision, int initialCapacity) {
        this(layers, kvHeads, headDim, precision, precision, initialCapacity);
    }

    /** A cache whose keys and values may be stored at different precisions. */
    public KvCache(int layers, int kvHeads, int headDim, KvPrecision keyPrecision, KvPrecision valuePrecision, int initialCapacity) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keyPrecision = keyPrecision;
        this.valuePrecision = valuePrecision;
        this.heads = new HeadCache[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) heads[l][h] = new HeadCache(keyPrecision, valuePrecision, headDim, initialCapacity);
        }
    }

    /**
     * Re-stores every head's keys and values at the given precisions ({@link HeadCache#storeAs}):
     * a prompt prefilled and compressed at full precision is quantised once, its kept slots'
     * positions and masses unchanged.
     */
    public void storeAs(KvPrecision keys, KvPrecision values) {
        if (keys == keyPrecision && values == valuePrecision) return;
        for (HeadCache[] l : heads) for (HeadCache h : l) h.storeAs(keys, values);
        keyPrecision = keys;
        valuePrecision = values;
    }

    /** An independent deep copy: prefill once, then compress copies with different methods and budgets. */
    public KvCache copy() {
        KvCache c = new KvCache(layers, kvHeads, headDim, keyPrecision, valuePrecision, 1);
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

    /** Bytes a full cache of {@code tokens} tokens would take in keys and values. */
    public long fullBytes(int tokens) {
        return (long) tokens * layers * kvHeads * (keyPrecision.bytesPerVector(headDim) + valuePrecision.bytesPerVector(headDim));
    }

    /** {@link HeadCache#reserve} on every head: room for {@code extra} more tokens without reallocating. */
    public void reserve(int extra) {
        for (HeadCache[] l : heads) for (HeadCache h : l) h.reserve(extra);
    }

    /** Rolls every head back to its first {@code slots} slots and sets the next position. */
    public void truncate(int slots, int nextPosition) {
        for (HeadCache[] l : heads) for (HeadCache h : l) h.truncate(Math.min(slots, h.size()));
        this.nextPosition = nextPosition;
    }

    /** Slots per [layer][kvHead]: a mark to roll back to with {@link #truncate(int[][], int)}. */
    public int[][] sizes() {
        int[][] out = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) for (int h = 0; h < kvHeads; h++) out[l][h] = heads[l][h].size();
        return out;
    }

    /** Rolls every head back to the slot count recorded by {@link #sizes()}. */
    public void truncate(int[][] sizes, int nextPosition) {
        for (int l = 0; l < layers; l++) for (int h = 0; h < kvHeads; h++) heads[l][h].truncate(sizes[l][h]);
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
