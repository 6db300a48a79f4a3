package dev.kvasir.core.kv;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * 4-bit keys or values as llama.cpp's q4_0: per block of 32 values, the value of largest
 * magnitude m gives the scale d = m / −8 (stored as F16) and each value becomes
 * clamp(round(x / d) + 8, 0, 15), two to a byte (byte i holds values i and i + 16 of its block).
 * One slot of a 64-value head is 36 bytes. The error of each value is at most one step |d|
 * (half a step except at the clamped end).
 */
public final class Q4Store extends BlockQuantizedStore {
    private static final int HALF = BLOCK / 2;

    Q4Store(int dim, int capacity) {
        super(dim, capacity);
    }

    @Override int slotBytes() { return blocks * HALF; }

    @Override public KvPrecision precision() { return KvPrecision.Q4; }

    @Override public VectorStore duplicate() {
        Q4Store copy = new Q4Store(dim, 0);
        copyInto(copy);
        return copy;
    }

    @Override public void put(int slot, float[] src, int off) {
        int base = slot * slotBytes();
        for (int b = 0; b < blocks; b++) {
            int from = off + b * BLOCK, len = blockLength(b);
            float amax = 0f, max = 0f;
            for (int i = 0; i < len; i++) {
                float x = src[from + i];
                if (Math.abs(x) > amax) {
                    amax = Math.abs(x);
                    max = x;
                }
            }
            short d16 = toF16(max / -8f);
            float d = Float.float16ToFloat(d16);
            float inv = d == 0f ? 0f : 1f / d;
            for (int i = 0; i < HALF; i++) {
                int lo = i < len ? code(src[from + i] * inv) : 8;
                int hi = i + HALF < len ? code(src[from + i + HALF] * inv) : 8;
                data[base + b * HALF + i] = (byte) (lo | (hi << 4));
            }
            scales[slot * blocks + b] = d16;
        }
    }

    private static int code(float scaled) {
        return Math.max(0, Math.min(15, (int) (scaled + 8.5f)));
    }

    /** Value {@code i} of block {@code b} of {@code slot} as its signed integer in [-8, 7]. */
    private int integer(int slot, int b, int i) {
        int packed = data[slot * slotBytes() + b * HALF + (i & (HALF - 1))];
        return (i < HALF ? packed & 15 : (packed >> 4) & 15) - 8;
    }

    /** L packed bytes at {@code off} as ints; their low nibbles are values i.., their high nibbles values i+16... */
    private static IntVector packed(byte[] a, int off) {
        return (IntVector) ByteVector.fromArray(BS, a, off).convertShape(VectorOperators.B2I, IS, 0);
    }

    private static FloatVector low(IntVector v) {
        return (FloatVector) v.and(15).sub(8).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(15).sub(8).convert(VectorOperators.I2F, 0);
    }

    @Override public void getRange(int from, int count, float[] dst, int off) {
        for (int s = 0; s < count; s++) {
            int slot = from + s, base = slot * slotBytes(), o = off + s * dim;
            for (int b = 0; b < blocks; b++) {
                float d = scale(slot, b);
                int at = b * BLOCK;
                if (vectorised) {
                    FloatVector vd = FloatVector.broadcast(FS, d);
                    for (int i = 0; i < HALF; i += L) {
                        IntVector v = packed(data, base + b * HALF + i);
                        low(v).mul(vd).intoArray(dst, o + at + i);
                        high(v).mul(vd).intoArray(dst, o + at + HALF + i);
                    }
                } else {
                    for (int i = 0, len = blockLength(b); i < len; i++) dst[o + at + i] = integer(slot, b, i) * d;
                }
            }
        }
    }

    @Override public float dot(int slot, float[] q, int qOff) {
        int base = slot * slotBytes();
        if (vectorised) {
            FloatVector total = FloatVector.zero(FS);
            for (int b = 0; b < blocks; b++) {
                int at = qOff + b * BLOCK;
                FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
                for (int i = 0; i < HALF; i += L) {
                    IntVector v = packed(data, base + b * HALF + i);
                    acc0 = low(v).fma(FloatVector.fromArray(FS, q, at + i), acc0);
                    acc1 = high(v).fma(FloatVector.fromArray(FS, q, at + HALF + i), acc1);
                }
                total = acc0.add(acc1).fma(FloatVector.broadcast(FS, scale(slot, b)), total);
            }
            return total.reduceLanes(VectorOperators.ADD);
        }
        float s = 0f;
        for (int b = 0; b < blocks; b++) {
            float inner = 0f;
            for (int i = 0, len = blockLength(b); i < len; i++) inner += integer(slot, b, i) * q[qOff + b * BLOCK + i];
            s += inner * scale(slot, b);
        }
        return s;
    }

    @Override public void addScaled(int slot, float a, float[] acc, int accOff) {
        int base = slot * slotBytes();
        for (int b = 0; b < blocks; b++) {
            float w = a * scale(slot, b);
            int at = accOff + b * BLOCK;
            if (vectorised) {
                FloatVector vw = FloatVector.broadcast(FS, w);
                for (int i = 0; i < HALF; i += L) {
                    IntVector v = packed(data, base + b * HALF + i);
                    low(v).fma(vw, FloatVector.fromArray(FS, acc, at + i)).intoArray(acc, at + i);
                    high(v).fma(vw, FloatVector.fromArray(FS, acc, at + HALF + i)).intoArray(acc, at + HALF + i);
                }
            } else {
                for (int i = 0, len = blockLength(b); i < len; i++) acc[at + i] += w * integer(slot, b, i);
            }
        }
    }

    /** As {@link Q8Store#mix}: one block column at a time, its four accumulators in registers (8 lanes). */
    @Override public void mix(int from, int len, float[] p, int pOff, float[] out, int oOff) {
        if (!vectorised || L != 8) {
            super.mix(from, len, p, pOff, out, oOff);
            return;
        }
        int sb = slotBytes();
        for (int b = 0; b < blocks; b++) {
            FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < len; j++) {
                int slot = from + j, k = slot * sb + b * HALF;
                FloatVector w = FloatVector.broadcast(FS, p[pOff + j] * scale(slot, b));
                IntVector v0 = packed(data, k), v1 = packed(data, k + 8);
                a0 = low(v0).fma(w, a0);
                a1 = low(v1).fma(w, a1);
                a2 = high(v0).fma(w, a2);
                a3 = high(v1).fma(w, a3);
            }
            int at = oOff + b * BLOCK;
            a0.intoArray(out, at);
            a1.intoArray(out, at + 8);
            a2.intoArray(out, at + 16);
            a3.intoArray(out, at + 24);
        }
    }
}
