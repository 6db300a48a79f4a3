package dev.kvasir.core.kv;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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

    /**
     * L packed bytes at {@code off}. Their low nibbles minus 8 are values i.. of the block; their
     * high nibbles, kept in place with the top bit flipped, read as signed bytes are 16 × (values
     * i+16.. ): byte operations and the byte-to-float widening Q8 uses, all intrinsified (an
     * int-lane nibble unpack made C2 box vectors).
     */
    private static ByteVector packed(byte[] a, int off) {
        return ByteVector.fromArray(BS, a, off);
    }

    private static FloatVector low(ByteVector v) {
        return (FloatVector) v.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2F, FS, 0);
    }

    /** 16 × the high nibbles' values: scale by {@link #SIXTEENTH}. */
    private static FloatVector high16(ByteVector v) {
        return (FloatVector) v.and((byte) 0xF0).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, FS, 0);
    }

    private static final float SIXTEENTH = 1f / 16;

    @Override public void getRange(int from, int count, float[] dst, int off) {
        for (int s = 0; s < count; s++) {
            int slot = from + s, base = slot * slotBytes(), o = off + s * dim;
            for (int b = 0; b < blocks; b++) {
                float d = scale(slot, b);
                int at = b * BLOCK;
                if (vectorised) {
                    FloatVector vd = FloatVector.broadcast(FS, d), vd16 = FloatVector.broadcast(FS, d * SIXTEENTH);
                    for (int i = 0; i < HALF; i += L) {
                        ByteVector v = packed(data, base + b * HALF + i);
                        low(v).mul(vd).intoArray(dst, o + at + i);
                        high16(v).mul(vd16).intoArray(dst, o + at + HALF + i);
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
                    ByteVector v = packed(data, base + b * HALF + i);
                    acc0 = low(v).fma(FloatVector.fromArray(FS, q, at + i), acc0);
                    acc1 = high16(v).fma(FloatVector.fromArray(FS, q, at + HALF + i), acc1);
                }
                total = acc1.fma(FloatVector.broadcast(FS, SIXTEENTH), acc0).fma(FloatVector.broadcast(FS, scale(slot, b)), total);
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
                FloatVector vw = FloatVector.broadcast(FS, w), vw16 = FloatVector.broadcast(FS, w * SIXTEENTH);
                for (int i = 0; i < HALF; i += L) {
                    ByteVector v = packed(data, base + b * HALF + i);
                    low(v).fma(vw, FloatVector.fromArray(FS, acc, at + i)).intoArray(acc, at + i);
                    high16(v).fma(vw16, FloatVector.fromArray(FS, acc, at + HALF + i)).intoArray(acc, at + HALF + i);
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
                ByteVector v0 = packed(data, k), v1 = packed(data, k + 8);
                a0 = low(v0).fma(w, a0);
                a1 = low(v1).fma(w, a1);
                a2 = high16(v0).fma(w, a2);
                a3 = high16(v1).fma(w, a3);
            }
            int at = oOff + b * BLOCK;
            FloatVector sixteenth = FloatVector.broadcast(FS, SIXTEENTH);
            a0.intoArray(out, at);
            a1.intoArray(out, at + 8);
            a2.mul(sixteenth).intoArray(out, at + 16);
            a3.mul(sixteenth).intoArray(out, at + 24);
        }
    }
}
