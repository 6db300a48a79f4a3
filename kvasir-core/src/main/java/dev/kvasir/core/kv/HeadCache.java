package dev.kvasir.core.kv;

import java.util.Arrays;

/**
 * The cache of one KV head of one layer: a variable number of slots, each with a key, a value
 * (both post-RoPE), the original position of the token it came from and, for merged slots, the
 * number of tokens it stands for ("mass"). Attention iterates over the slots that exist;
 * eviction and merging change the set of slots, never a dense position-indexed array.
 *
 * <p>Slots are kept in the order they were appended or retained; compression keeps them in
 * position order.
 */
public final class HeadCache {
    private final int headDim;
    private VectorStore keys;
    private VectorStore values;
    private int[] positions;
    /** Tokens represented by each slot; null while every slot stands for exactly one token. */
    private float[] mass;
    private int size;

    private HeadCache(HeadCache o) {
        this.headDim = o.headDim;
        this.keys = o.keys.duplicate();
        this.values = o.values.duplicate();
        this.positions = o.positions.clone();
        this.mass = o.mass == null ? null : o.mass.clone();
        this.size = o.size;
    }

    /** An independent deep copy (e.g. to compress one prefilled prompt in several ways). */
    public HeadCache copy() {
        return new HeadCache(this);
    }

    public HeadCache(KvPrecision precision, int headDim, int initialCapacity) {
        this(precision, precision, headDim, initialCapacity);
    }

    /** A head whose keys and values may be stored at different precisions. */
    public HeadCache(KvPrecision keyPrecision, KvPrecision valuePrecision, int headDim, int initialCapacity) {
        int cap = Math.max(1, initialCapacity);
        this.headDim = headDim;
        this.keys = VectorStore.create(keyPrecision, VectorStore.Role.KEYS, headDim, cap);
        this.values = VectorStore.create(valuePrecision, VectorStore.Role.VALUES, headDim, cap);
        this.positions = new int[cap];
    }

    /**
     * Re-stores keys and values at the given precisions (same capacity; positions and masses
     * untouched): how a prompt prefilled and compressed at full precision is quantised once. A
     * store already at its precision is kept as it is.
     */
    public void storeAs(KvPrecision keyPrecision, KvPrecision valuePrecision) {
        keys = convert(keys, keyPrecision, VectorStore.Role.KEYS);
        values = convert(values, valuePrecision, VectorStore.Role.VALUES);
    }

    /** The slots put in order: a KIVI store quantises them group by group, the last ones staying in its F16 residual window. */
    private VectorStore convert(VectorStore from, KvPrecision to, VectorStore.Role role) {
        if (from.precision() == to) return from;
        VectorStore out = VectorStore.create(to, role, headDim, from.capacity());
        float[] tmp = new float[headDim];
        for (int s = 0; s < size; s++) {
            from.get(s, tmp, 0);
            out.put(s, tmp, 0);
        }
        return out;
    }

    public int size() { return size; }

    public int headDim() { return headDim; }

    public VectorStore keys() { return keys; }

    public VectorStore values() { return values; }

    public int position(int slot) { return positions[slot]; }

    /** Original positions of slots 0..size-1 (a copy). */
    public int[] positions() { return Arrays.copyOf(positions, size); }

    /** The mass array (tokens per slot), or null when all slots have mass 1. Read-only view. */
    public float[] massOrNull() { return mass; }

    public float mass(int slot) { return mass == null ? 1f : mass[slot]; }

    public void setMass(int slot, float m) {
        if (mass == null) {
            if (m == 1f) return;
            mass = new float[positions.length];
            Arrays.fill(mass, 1f);
        }
        mass[slot] = m;
    }

    /** Makes room for {@code extra} more slots, growing by half again when full. */
    public void ensureRoom(int extra) {
        int need = size + extra;
        if (need <= keys.capacity()) return;
        int cap = Math.max(need, keys.capacity() + (keys.capacity() >> 1) + 16);
        resize(cap);
    }

    /**
     * Makes room for exactly {@code extra} more slots (no growth factor) if the capacity falls
     * short: for the tokens a generation will append to a compressed cache, reserved before
     * decoding so that decode never reallocates mid-way (a copy of the head, and a JIT
     * deoptimisation of the decode loop the first time its growth branch is taken).
     */
    public void reserve(int extra) {
        if (extra < 0) throw new IllegalArgumentException("cannot reserve " + extra + " slots");
        int need = size + extra;
        if (need > keys.capacity()) resize(need);
    }

    private void resize(int cap) {
        keys.resize(cap, size);
        values.resize(cap, size);
        positions = Arrays.copyOf(positions, cap);
        if (mass != null) {
            int old = mass.length;
            mass = Arrays.copyOf(mass, cap);
            if (cap > old) Arrays.fill(mass, old, cap, 1f);
        }
    }

    /** Appends a slot; returns its index. */
    public int append(float[] k, int kOff, float[] v, int vOff, int position) {
        ensureRoom(1);
        int s = size++;
        keys.put(s, k, kOff);
        values.put(s, v, vOff);
        positions[s] = position;
        if (mass != null) mass[s] = 1f;
        return s;
    }

    /** Overwrites key, value and position of an existing slot, its mass back to 1 (a sliding-window ring reusing the slot). */
    public void replace(int slot, float[] k, int kOff, float[] v, int vOff, int position) {
        checkSlot(slot);
        keys.put(slot, k, kOff);
        values.put(slot, v, vOff);
        positions[slot] = position;
        if (mass != null) mass[slot] = 1f;
    }

    /** Overwrites key and value of an existing slot (merging). */
    public void set(int slot, float[] k, int kOff, float[] v, int vOff) {
        checkSlot(slot);
        keys.put(slot, k, kOff);
        values.put(slot, v, vOff);
    }

    /**
     * Keeps only the slots {@code keep[0..n)} (distinct; sorted into position order here) and
     * releases the memory of the rest: the backing arrays are reallocated at the new size
     * (plus {@code headroom} free slots for the tokens decode will append).
     */
    public void retain(int[] keep, int n, int headroom) {
        if (n < 0 || n > keep.length) throw new IllegalArgumentException("n = " + n + " not in [0, " + keep.length + "]");
        // position order keeps attention cache-friendly and makes streaming layouts natural; a primitive
        // sort of (position, slot) pairs packed into longs: no boxing, O(n log n)
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            int s = keep[i];
            checkSlot(s);
            order[i] = ((long) positions[s] << 32) | (s & 0xFFFFFFFFL);
        }
        Arrays.sort(order);
        int[] sorted = new int[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = (int) order[i];
            if (i > 0 && order[i] == order[i - 1]) throw new IllegalArgumentException("slot " + sorted[i] + " kept twice");
        }
        // one copy into arrays of the new size plus headroom: the old arrays are released
        int cap = Math.max(1, n + Math.max(0, headroom));
        keys.compact(sorted, n, cap);
        values.compact(sorted, n, cap);
        int[] newPos = new int[cap];
        float[] newMass = mass == null ? null : new float[cap];
        for (int i = 0; i < n; i++) {
            newPos[i] = positions[sorted[i]];
            if (newMass != null) newMass[i] = mass[sorted[i]];
        }
        if (newMass != null) Arrays.fill(newMass, n, cap, 1f);
        positions = newPos;
        mass = newMass;
        size = n;
    }

    /** Drops every slot from {@code n} on (keeps the allocation): rolls the cache back, e.g. between benchmark repetitions. */
    public void truncate(int n) {
        if (n < 0 || n > size) throw new IndexOutOfBoundsException("cannot truncate " + size + " slots to " + n);
        keys.truncate(n);
        values.truncate(n);
        size = n;
    }

    /** Frees unused capacity beyond {@code headroom} free slots. */
    public void trim(int headroom) {
        int cap = Math.max(1, size + headroom);
        if (cap < keys.capacity()) resize(cap);
    }

    /** Bytes held by this head (allocated capacity, keys + values + positions + mass). */
    public long bytes() {
        return keys.bytes() + values.bytes() + 4L * positions.length + (mass == null ? 0 : 4L * mass.length);
    }

    /** Bytes of the slots in use (keys and values only, with a KIVI store's groups and residual window): the figure compression reports. */
    public long usedBytes() {
        return keys.usedBytes(size) + values.usedBytes(size);
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= size) throw new IndexOutOfBoundsException("slot " + slot + " not in [0, " + size + ")");
    }
}
