package dev.kvasir.core.kv;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A store whose vectors are cut into blocks of {@link KvPrecision#BLOCK} values, each kept as
 * small integers with one F16 scale (value ≈ scale · integer). Each slot is quantised on its own
 * when it is put, so appending, evicting and compacting never requantise another slot: a kept
 * slot's bytes are copied as they are.
 *
 * <p>The attention kernels ({@link #dot}, {@link #addScaled}, {@link #scores}, {@link #mix}) read
 * the integer data directly: a vector of integers is widened to floats, multiplied with the query
 * (or accumulated with the weight), and the block's scale is applied once per block, never by
 * dequantising the cache first.
 */
public abstract sealed class BlockQuantizedStore extends VectorStore permits Q8Store, Q4Store {
    static final int BLOCK = KvPrecision.BLOCK;
    /** Float lanes of the preferred vector; the kernels widen L bytes at a time. */
    static final int L = FS.length();
    /** Vector kernels need 8 or 16 float lanes (AVX2, AVX-512); other machines take the scalar path. */
    static final boolean VECTOR_LANES = L == 8 || L == 16;
    static final VectorSpecies<Byte> BS = VECTOR_LANES ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

    /** Blocks per vector (the last may be short when dim is not a multiple of the block). */
    protected final int blocks;
    /** Whether the vector kernels apply: whole blocks and 8 or 16 lanes. */
    protected final boolean vectorised;
    /** The integers, {@link #slotBytes()} per slot. */
    byte[] data;
    /** One F16 scale per block, {@link #blocks} per slot. */
    short[] scales;

    BlockQuantizedStore(int dim, int capacity) {
        super(dim, capacity);
        this.blocks = (dim + BLOCK - 1) / BLOCK;
        this.vectorised = VECTOR_LANES && dim % BLOCK == 0;
        this.data = new byte[capacity * slotBytes()];
        this.scales = new short[capacity * blocks];
    }

    /** Bytes of integers per slot. */
    abstract int slotBytes();

    /** Length of block {@code b} (32, except perhaps the last). */
    final int blockLength(int b) {
        return Math.min(BLOCK, dim - b * BLOCK);
    }

    /** The scale of block {@code b} of {@code slot}. */
    final float scale(int slot, int b) {
        return Float.float16ToFloat(scales[slot * blocks + b]);
    }

    /** An F16-representable scale: quantising with the stored (rounded) scale keeps put and get consistent. */
    static short toF16(float scale) {
        return Float.floatToFloat16(scale);
    }

    /** L bytes at {@code off} as L floats (sign-extended). */
    static FloatVector widen(byte[] a, int off) {
        return (FloatVector) ByteVector.fromArray(BS, a, off).convertShape(VectorOperators.B2F, FS, 0);
    }

    @Override public void get(int slot, float[] dst, int off) {
        getRange(slot, 1, dst, off);
    }

    @Override public void resize(int newCapacity, int used) {
        byte[] d = new byte[newCapacity * slotBytes()];
        System.arraycopy(data, 0, d, 0, used * slotBytes());
        short[] s = new short[newCapacity * blocks];
        System.arraycopy(scales, 0, s, 0, used * blocks);
        data = d;
        scales = s;
        capacity = newCapacity;
    }

    /** Kept slots' integers and scales are copied byte for byte: eviction never requantises. */
    @Override public void compact(int[] keep, int n, int newCapacity) {
        int cap = Math.max(Math.max(n, newCapacity), 1), sb = slotBytes();
        byte[] d = new byte[cap * sb];
        short[] s = new short[cap * blocks];
        for (int i = 0; i < n; i++) {
            System.arraycopy(data, keep[i] * sb, d, i * sb, sb);
            System.arraycopy(scales, keep[i] * blocks, s, i * blocks, blocks);
        }
        data = d;
        scales = s;
        capacity = cap;
    }

    /** A copy of slot {@code slot}'s stored bytes: its integers then its scales (for tests of eviction). */
    public byte[] slotBytesCopy(int slot) {
        int sb = slotBytes();
        byte[] out = new byte[sb + 2 * blocks];
        System.arraycopy(data, slot * sb, out, 0, sb);
        for (int b = 0; b < blocks; b++) {
            short s = scales[slot * blocks + b];
            out[sb + 2 * b] = (byte) s;
            out[sb + 2 * b + 1] = (byte) (s >> 8);
        }
        return out;
    }

    final void copyInto(BlockQuantizedStore copy) {
        copy.data = data.clone();
        copy.scales = scales.clone();
        copy.capacity = capacity;
    }

    @Override public boolean integerKernels() {
        return true;
    }

    @Override public long bytesPerSlot() {
        return slotBytes() + 2L * blocks;
    }
}
