package dev.kvasir.core.kv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * 8-bit keys or values as llama.cpp's q8_0: per block of 32 values, a scale d = max|x| / 127
 * (stored as F16) and the integers round(x / d) in [-127, 127]. One slot of a 64-value head is
 * 68 bytes instead of 256 in F32. The error of each value is at most half a step, d / 2 (plus the
 * F16 rounding of d).
 */
public final class Q8Store extends BlockQuantizedStore {
    Q8Store(int dim, int capacity) {
        super(dim, capacity);
    }

    @Override int slotBytes() { return dim; }

    @Override public KvPrecision precision() { return KvPrecision.Q8; }

    @Override public VectorStore duplicate() {
        Q8Store copy = new Q8Store(dim, 0);
        copyInto(copy);
        return copy;
    }

    @Override public void put(int slot, float[] src, int off) {
        int base = slot * dim;
        for (int b = 0; b < blocks; b++) {
            int from = b * BLOCK, len = blockLength(b);
            float amax = 0f;
            for (int i = 0; i < len; i++) amax = Math.max(amax, Math.abs(src[off + from + i]));
            short d16 = toF16(amax / 127f);
            float d = Float.float16ToFloat(d16);
            float inv = d == 0f ? 0f : 1f / d;
            for (int i = 0; i < len; i++) {
                int v = Math.round(src[off + from + i] * inv);
                data[base + from + i] = (byte) Math.max(-127, Math.min(127, v));
            }
            scales[slot * blocks + b] = d16;
        }
    }

    @Override public void getRange(int from, int count, float[] dst, int off) {
        for (int s = 0; s < count; s++) {
            int slot = from + s, base = slot * dim, o = off + s * dim;
            for (int b = 0; b < blocks; b++) {
                float d = scale(slot, b);
                int start = b * BLOCK, len = blockLength(b), i = 0;
                if (vectorised) {
                    FloatVector vd = FloatVector.broadcast(FS, d);
                    for (; i < len; i += L) widen(data, base + start + i).mul(vd).intoArray(dst, o + start + i);
                }
                for (; i < len; i++) dst[o + start + i] = data[base + start + i] * d;
            }
        }
    }

    /** Σ over blocks of d_b · Σ_i q_i k_i, the inner sums on the widened integers. */
    @Override public float dot(int slot, float[] q, int qOff) {
        int base = slot * dim;
        if (vectorised) {
            FloatVector total = FloatVector.zero(FS);
            for (int b = 0; b < blocks; b++) {
                int at = b * BLOCK;
                FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
                for (int i = 0; i < BLOCK; i += 2 * L) {
                    acc0 = widen(data, base + at + i).fma(FloatVector.fromArray(FS, q, qOff + at + i), acc0);
                    acc1 = widen(data, base + at + i + L).fma(FloatVector.fromArray(FS, q, qOff + at + i + L), acc1);
                }
                total = acc0.add(acc1).fma(FloatVector.broadcast(FS, scale(slot, b)), total);
            }
            return total.reduceLanes(VectorOperators.ADD);
        }
        float s = 0f;
        for (int b = 0; b < blocks; b++) {
            int at = b * BLOCK, len = blockLength(b);
            float inner = 0f;
            for (int i = 0; i < len; i++) inner += data[base + at + i] * q[qOff + at + i];
            s += inner * scale(slot, b);
        }
        return s;
    }

    /** acc += a · slot, the weight a · d_b computed once per block. */
    @Override public void addScaled(int slot, float a, float[] acc, int accOff) {
        int base = slot * dim;
        for (int b = 0; b < blocks; b++) {
            float w = a * scale(slot, b);
            int at = b * BLOCK, len = blockLength(b), i = 0;
            if (vectorised) {
                FloatVector vw = FloatVector.broadcast(FS, w);
                for (; i < len; i += L) {
                    int o = accOff + at + i;
                    widen(data, base + at + i).fma(vw, FloatVector.fromArray(FS, acc, o)).intoArray(acc, o);
                }
            }
            for (; i < len; i++) acc[accOff + at + i] += w * data[base + at + i];
        }
    }

    /**
     * The decode kernel's value mix: one block column at a time, its accumulators in registers
     * over all slots (one load and one FMA per vector of integers), instead of a read-modify-write
     * of the output per slot.
     */
    @Override public void mix(int from, int len, float[] p, int pOff, float[] out, int oOff) {
        if (!vectorised || L != 8) {
            super.mix(from, len, p, pOff, out, oOff);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            int at = b * BLOCK;
            FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < len; j++) {
                int slot = from + j, k = slot * dim + at;
                FloatVector w = FloatVector.broadcast(FS, p[pOff + j] * scale(slot, b));
                a0 = widen(data, k).fma(w, a0);
                a1 = widen(data, k + 8).fma(w, a1);
                a2 = widen(data, k + 16).fma(w, a2);
                a3 = widen(data, k + 24).fma(w, a3);
            }
            a0.intoArray(out, oOff + at);
            a1.intoArray(out, oOff + at + 8);
            a2.intoArray(out, oOff + at + 16);
            a3.intoArray(out, oOff + at + 24);
        }
    }
}
