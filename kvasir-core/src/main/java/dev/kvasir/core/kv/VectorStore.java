package dev.kvasir.core.kv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A growable array of fixed-length float vectors (the keys or the values of one KV head), one
 * per cache slot, stored as F32, F16 or BF16. Slots are addressed by index; compaction keeps a
 * subset and really shrinks the arrays so that evicted memory is returned.
 */
public abstract sealed class VectorStore permits VectorStore.F32, VectorStore.F16, VectorStore.BF16, BlockQuantizedStore, KiviStore {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    protected final int dim;
    protected int capacity;

    VectorStore(int dim, int capacity) {
        this.dim = dim;
        this.capacity = capacity;
    }

    /** What a store holds: KIVI lays keys out per channel and values per token; the other formats store both alike. */
    public enum Role { KEYS, VALUES }

    /**
     * A store of {@code precision} for one side of a head.
     *
     * @throws IllegalArgumentException for a KIVI precision: its keys and values differ in layout, say which with
     *                                  {@link #create(KvPrecision, Role, int, int)}
     */
    public static VectorStore create(KvPrecision precision, int dim, int capacity) {
        if (precision.kivi()) {
            throw new IllegalArgumentException(precision.label() + " stores keys per channel and values per token: "
                    + "create its store with a Role (KEYS or VALUES)");
        }
        return create(precision, Role.KEYS, dim, capacity);
    }

    public static VectorStore create(KvPrecision precision, Role role, int dim, int capacity) {
        return switch (precision) {
            case F32 -> new F32(dim, capacity);
            case F16 -> new F16(dim, capacity);
            case BF16 -> new BF16(dim, capacity);
            case Q8 -> new Q8Store(dim, capacity);
            case Q4 -> new Q4Store(dim, capacity);
            case KIVI4, KIVI2 -> role == Role.KEYS ? new KiviKeyStore(precision, dim, capacity) : new KiviValueStore(precision, dim, capacity);
        };
    }

    public int dim() { return dim; }

    public int capacity() { return capacity; }

    public abstract KvPrecision precision();

    /** Stores {@code src[off .. off+dim)} in slot {@code slot}. */
    public abstract void put(int slot, float[] src, int off);

    /** Reads slot {@code slot} into {@code dst[off .. off+dim)}. */
    public abstract void get(int slot, float[] dst, int off);

    /**
     * Reads slots [from, from+count) into {@code dst[off .. off+count*dim)}: the slots are stored
     * back to back, so this is one conversion loop over count*dim values (vectorised for F16 and
     * BF16). Decode attention converts a chunk of a half-precision cache once for all query heads
     * of a group.
     */
    public abstract void getRange(int from, int count, float[] dst, int off);

    /** Dot product of slot {@code slot} with {@code q[qOff .. qOff+dim)}. */
    public abstract float dot(int slot, float[] q, int qOff);

    /** {@code acc[accOff + i] += a * slot[i]}. */
    public abstract void addScaled(int slot, float a, float[] acc, int accOff);

    /** Grows or shrinks the backing array to exactly {@code newCapacity} slots (>= slots in use). */
    public abstract void resize(int newCapacity, int used);

    /**
     * Keeps slots {@code keep[0..n)} (in that order) as slots 0..n-1. The kept indices must be
     * distinct; they may come in any order.
     */
    public void compact(int[] keep, int n) {
        compact(keep, n, n);
    }

    /**
     * As {@link #compact(int[], int)}, into a new backing array of {@code capacity} (≥ n) slots, so
     * that free room for later appends costs no second copy.
     */
    public abstract void compact(int[] keep, int n, int capacity);

    /** An independent copy with the same contents and capacity. */
    public abstract VectorStore duplicate();

    /** Bytes one slot takes (the vector's values, plus the block scales of a quantised store). */
    public long bytesPerSlot() {
        return precision().bytesPerVector(dim);
    }

    /** Bytes allocated: every slot of the capacity, used or not. */
    public long bytes() {
        return capacity * bytesPerSlot();
    }

    /** Bytes the first {@code used} slots take (a KIVI store adds its groups' scales and its F16 residual window). */
    public long usedBytes(int used) {
        return used * bytesPerSlot();
    }

    /**
     * Slots from {@code n} on are dropped (the head rolled back). The stores that quantise each
     * slot alone need not know; a KIVI store forgets them in its groups and its residual window.
     */
    public void truncate(int n) {}

    /**
     * True when attention reads this store through its own {@link #scores} and {@link #mix}
     * kernels on the integer data, never converted to floats first (Q8, Q4, KIVI).
     */
    public boolean integerKernels() {
        return false;
    }

    /**
     * Scores of slots [from, from+len) for one query: {@code p[pOff+j] = scale * slot(from+j)·q}.
     * The quantised stores compute them on their integer blocks, the block scale applied once per
     * block; decode attention calls this on a chunk of slots while it sits in L1.
     */
    public void scores(int from, int len, float[] q, int qOff, float scale, float[] p, int pOff) {
        for (int j = 0; j < len; j++) p[pOff + j] = dot(from + j, q, qOff) * scale;
    }

    /** {@code out[oOff .. oOff+dim) = Σ_j p[pOff+j] · slot(from+j)} over j in [0, len) (overwrites out). */
    public void mix(int from, int len, float[] p, int pOff, float[] out, int oOff) {
        java.util.Arrays.fill(out, oOff, oOff + dim, 0f);
        for (int j = 0; j < len; j++) addScaled(from + j, p[pOff + j], out, oOff);
    }

    // ------------------------------------------------------------------------------------

    public static final class F32 extends VectorStore {
        float[] data;

        @Override public VectorStore duplicate() {
            F32 copy = new F32(dim, 0);
            copy.data = data.clone();
            copy.capacity = capacity;
            return copy;
        }

        F32(int dim, int capacity) {
            super(dim, capacity);
            data = new float[capacity * dim];
        }

        /** The backing array, for kernels: slot s occupies [s*dim, (s+1)*dim). */
        public float[] array() { return data; }

        @Override public KvPrecision precision() { return KvPrecision.F32; }

        @Override public void put(int slot, float[] src, int off) {
            System.arraycopy(src, off, data, slot * dim, dim);
        }

        @Override public void get(int slot, float[] dst, int off) {
            System.arraycopy(data, slot * dim, dst, off, dim);
        }

        @Override public void getRange(int from, int count, float[] dst, int off) {
            System.arraycopy(data, from * dim, dst, off, count * dim);
        }

        @Override public float dot(int slot, float[] q, int qOff) {
            int base = slot * dim;
            int i = 0;
            FloatVector acc = FloatVector.zero(FS);
            for (int bound = FS.loopBound(dim); i < bound; i += FS.length()) {
                acc = FloatVector.fromArray(FS, data, base + i).fma(FloatVector.fromArray(FS, q, qOff + i), acc);
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (; i < dim; i++) s += data[base + i] * q[qOff + i];
            return s;
        }

        @Override public void addScaled(int slot, float a, float[] acc, int accOff) {
            int base = slot * dim;
            int i = 0;
            FloatVector va = FloatVector.broadcast(FS, a);
            for (int bound = FS.loopBound(dim); i < bound; i += FS.length()) {
                FloatVector.fromArray(FS, data, base + i).fma(va, FloatVector.fromArray(FS, acc, accOff + i))
                        .intoArray(acc, accOff + i);
            }
            for (; i < dim; i++) acc[accOff + i] += a * data[base + i];
        }

        @Override public void resize(int newCapacity, int used) {
            float[] n = new float[newCapacity * dim];
            System.arraycopy(data, 0, n, 0, used * dim);
            data = n;
            capacity = newCapacity;
        }

        @Override public void compact(int[] keep, int n, int newCapacity) {
            int cap = Math.max(Math.max(n, newCapacity), 1);
            float[] out = new float[cap * dim];
            for (int i = 0; i < n; i++) System.arraycopy(data, keep[i] * dim, out, i * dim, dim);
            data = out;
            capacity = cap;
        }
    }

    /** IEEE half precision; conversion through the JDK's intrinsified Float.float16ToFloat. */
    public static final class F16 extends VectorStore {
        short[] data;

        @Override public VectorStore duplicate() {
            F16 copy = new F16(dim, 0);
            copy.data = data.clone();
            copy.capacity = capacity;
            return copy;
        }

        F16(int dim, int capacity) {
            super(dim, capacity);
            data = new short[capacity * dim];
        }

        public short[] array() { return data; }

        @Override public KvPrecision precision() { return KvPrecision.F16; }

        @Override public void put(int slot, float[] src, int off) {
            int base = slot * dim;
            for (int i = 0; i < dim; i++) data[base + i] = Float.floatToFloat16(src[off + i]);
        }

        @Override public void get(int slot, float[] dst, int off) {
            int base = slot * dim;
            for (int i = 0; i < dim; i++) dst[off + i] = Float.float16ToFloat(data[base + i]);
        }

        @Override public void getRange(int from, int count, float[] dst, int off) {
            // a plain loop: C2's auto-vectoriser turns it into vcvtph2ps (JDK 21+), faster than widen()
            int base = from * dim, n = count * dim;
            for (int i = 0; i < n; i++) dst[off + i] = Float.float16ToFloat(data[base + i]);
        }

        @Override public float dot(int slot, float[] q, int qOff) {
            int base = slot * dim;
            int i = 0;
            float s = 0f;
            if (WIDE) {
                FloatVector acc = FloatVector.zero(W);
                for (int bound = dim & ~15; i < bound; i += 16) acc = widen(data, base + i).fma(FloatVector.fromArray(W, q, qOff + i), acc);
                s = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; i < dim; i++) s += Float.float16ToFloat(data[base + i]) * q[qOff + i];
            return s;
        }

        @Override public void addScaled(int slot, float a, float[] acc, int accOff) {
            int base = slot * dim;
            int i = 0;
            if (WIDE) {
                FloatVector va = FloatVector.broadcast(W, a);
                for (int bound = dim & ~15; i < bound; i += 16) {
                    widen(data, base + i).fma(va, FloatVector.fromArray(W, acc, accOff + i)).intoArray(acc, accOff + i);
                }
            }
            for (; i < dim; i++) acc[accOff + i] += a * Float.float16ToFloat(data[base + i]);
        }

        /** 16-lane float vectors exist (AVX-512): the vectorised half-to-float path is used. */
        static final boolean WIDE = FS.length() >= 16;
        static final VectorSpecies<Float> W = FloatVector.SPECIES_512;
        static final VectorSpecies<Short> H = ShortVector.SPECIES_256;

        /**
         * Sixteen halves to floats without a hardware conversion instruction in the Vector API:
         * exponent and mantissa shifted into float position and rescaled by 2^112 (the bias
         * difference) — exact for normal and subnormal halves — with infinities and NaNs given an
         * all-ones exponent and the sign put back.
         */
        static FloatVector widen(short[] a, int off) {
            jdk.incubator.vector.IntVector u = ((jdk.incubator.vector.IntVector) ShortVector.fromArray(H, a, off)
                    .convertShape(VectorOperators.S2I, jdk.incubator.vector.IntVector.SPECIES_512, 0)).and(0xFFFF);
            jdk.incubator.vector.IntVector em = u.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
            jdk.incubator.vector.IntVector scaled = em.reinterpretAsFloats().mul(0x1.0p112f).reinterpretAsInts();
            jdk.incubator.vector.IntVector special = em.or(0x7F800000);
            jdk.incubator.vector.IntVector bits = scaled.blend(special, u.and(0x7C00).eq(0x7C00));
            return bits.or(u.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        }

        @Override public void resize(int newCapacity, int used) {
            short[] n = new short[newCapacity * dim];
            System.arraycopy(data, 0, n, 0, used * dim);
            data = n;
            capacity = newCapacity;
        }

        @Override public void compact(int[] keep, int n, int newCapacity) {
            int cap = Math.max(Math.max(n, newCapacity), 1);
            short[] out = new short[cap * dim];
            for (int i = 0; i < n; i++) System.arraycopy(data, keep[i] * dim, out, i * dim, dim);
            data = out;
            capacity = cap;
        }
    }

    /** bfloat16: the top 16 bits of an F32; widening is a shift, which vectorises. */
    public static final class BF16 extends VectorStore {
        static final VectorSpecies<Short> SS = ShortVector.SPECIES_256;
        static final VectorSpecies<Float> F16L = FloatVector.SPECIES_512;
        short[] data;

        @Override public VectorStore duplicate() {
            BF16 copy = new BF16(dim, 0);
            copy.data = data.clone();
            copy.capacity = capacity;
            return copy;
        }

        BF16(int dim, int capacity) {
            super(dim, capacity);
            data = new short[capacity * dim];
        }

        public short[] array() { return data; }

        @Override public KvPrecision precision() { return KvPrecision.BF16; }

        static short toBf16(float f) {
            int bits = Float.floatToRawIntBits(f);
            if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
            // round to nearest even
            int rounding = 0x7FFF + ((bits >>> 16) & 1);
            return (short) ((bits + rounding) >>> 16);
        }

        static float fromBf16(short s) {
            return Float.intBitsToFloat((s & 0xFFFF) << 16);
        }

        @Override public void put(int slot, float[] src, int off) {
            int base = slot * dim;
            for (int i = 0; i < dim; i++) data[base + i] = toBf16(src[off + i]);
        }

        @Override public void get(int slot, float[] dst, int off) {
            int base = slot * dim;
            for (int i = 0; i < dim; i++) dst[off + i] = fromBf16(data[base + i]);
        }

        @Override public void getRange(int from, int count, float[] dst, int off) {
            int base = from * dim, n = count * dim, i = 0;
            if (FS.length() == 16) {
                for (int bound = n & ~15; i < bound; i += 16) {
                    ((jdk.incubator.vector.IntVector) ShortVector.fromArray(SS, data, base + i)
                            .convertShape(VectorOperators.S2I, jdk.incubator.vector.IntVector.SPECIES_512, 0))
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
                }
            }
            for (; i < n; i++) dst[off + i] = fromBf16(data[base + i]);
        }

        @Override public float dot(int slot, float[] q, int qOff) {
            int base = slot * dim;
            int i = 0;
            float s = 0f;
            if (FS.length() == 16) {
                FloatVector acc = FloatVector.zero(F16L);
                for (int bound = dim & ~15; i < bound; i += 16) {
                    FloatVector k = ((jdk.incubator.vector.IntVector) ShortVector.fromArray(SS, data, base + i)
                            .convertShape(VectorOperators.S2I, jdk.incubator.vector.IntVector.SPECIES_512, 0))
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    acc = k.fma(FloatVector.fromArray(F16L, q, qOff + i), acc);
                }
                s = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; i < dim; i++) s += fromBf16(data[base + i]) * q[qOff + i];
            return s;
        }

        @Override public void addScaled(int slot, float a, float[] acc, int accOff) {
            int base = slot * dim;
            for (int i = 0; i < dim; i++) acc[accOff + i] += a * fromBf16(data[base + i]);
        }

        @Override public void resize(int newCapacity, int used) {
            short[] n = new short[newCapacity * dim];
            System.arraycopy(data, 0, n, 0, used * dim);
            data = n;
            capacity = newCapacity;
        }

        @Override public void compact(int[] keep, int n, int newCapacity) {
            int cap = Math.max(Math.max(n, newCapacity), 1);
            short[] out = new short[cap * dim];
            for (int i = 0; i < n; i++) System.arraycopy(data, keep[i] * dim, out, i * dim, dim);
            data = out;
            capacity = cap;
        }
    }
}
