package dev.kvasir.core.kv;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

/**
 * KIVI's values (Liu et al. 2024, §3.2–3.3): quantised <em>per token</em>. Each token's vector is
 * cut into groups of G = 32 channels; group b of token t has a zero point z_tb = min v_t,b, a scale
 * s_tb = (max v_t,b − z_tb) / (2^B − 1) and the codes c_td = round((v_td − z_tb) / s_tb). The
 * attention output mixes values token by token, Σ_t p_t v_t, so an error confined to each token
 * stays weighted by that token's attention: the reason the paper quantises values per token.
 *
 * <p><b>Attention on the codes.</b> Channel d of the output, in block b, is
 * Σ_t p_t (s_tb c_td + z_tb) = Σ_t (p_t s_tb) c_td + Σ_t p_t z_tb: {@link #mix} accumulates the
 * integer codes, widened 8 at a time (Vector API), with the weights p_t s_tb in registers for a
 * whole block column over the run of slots, and adds Σ_t p_t z_tb (and the packing's offsets) once
 * per block. Tokens of the F16 residual window are added on their F16 values.
 *
 * <p>Tokens wait in the residual window as keys do (see {@link KiviStore}), and each is then
 * quantised on its own: evicting a token never touches another's codes, scales or zero points.
 */
public final class KiviValueStore extends KiviStore {
    /** F16 zero points and scales, {@link #blocks} per slot. */
    short[] zeros, scales;

    KiviValueStore(KvPrecision precision, int dim, int capacity) {
        super(precision, dim, capacity);
        zeros = new short[capacity * blocks];
        scales = new short[capacity * blocks];
    }

    @Override public VectorStore duplicate() {
        KiviValueStore copy = new KiviValueStore(precision, dim, 0);
        copyInto(copy);
        copy.zeros = zeros.clone();
        copy.scales = scales.clone();
        return copy;
    }

    /** The stored scale of channel block {@code b} of quantised slot {@code slot}. */
    public float scale(int slot, int b) {
        if (state[slot] < 0) throw new IllegalArgumentException("slot " + slot + " is in the F16 residual window");
        return f16(scales[slot * blocks + b]);
    }

    @Override void quantizeGroup(int[] slots, float[] x) {
        int[] code = new int[dim];
        for (int t = 0; t < slots.length; t++) {
            int slot = slots[t], row = t * dim;
            for (int b = 0; b < blocks; b++) {
                int from = b * GROUP, to = Math.min(dim, from + GROUP);
                float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
                for (int d = from; d < to; d++) {
                    min = Math.min(min, x[row + d]);
                    max = Math.max(max, x[row + d]);
                }
                int zs = zeroAndScale(min, max);
                zeros[slot * blocks + b] = (short) zs;
                scales[slot * blocks + b] = (short) (zs >>> 16);
                float z = f16((short) zs), s = f16((short) (zs >>> 16)), inv = s == 0f ? 0f : 1f / s;
                for (int d = from; d < to; d++) code[d] = quantize(x[row + d], z, inv);
            }
            pack(slot, code);
            state[slot] = 0;
        }
    }

    @Override void release(int slot) {}

    @Override void dequantize(int slot, float[] dst, int off) {
        for (int d = 0; d < dim; d++) {
            int m = slot * blocks + d / GROUP;
            dst[off + d] = f16(zeros[m]) + f16(scales[m]) * code(slot, d);
        }
    }

    @Override void resizeMeta(int newCapacity) {
        zeros = Arrays.copyOf(zeros, newCapacity * blocks);
        scales = Arrays.copyOf(scales, newCapacity * blocks);
    }

    @Override void compactMeta(int[] keep, int n, int capacity, int[] newState) {
        short[] z = new short[capacity * blocks], s = new short[capacity * blocks];
        for (int i = 0; i < n; i++) {
            System.arraycopy(zeros, keep[i] * blocks, z, i * blocks, blocks);
            System.arraycopy(scales, keep[i] * blocks, s, i * blocks, blocks);
        }
        zeros = z;
        scales = s;
    }

    @Override long metaBytes() {
        return 2L * (zeros.length + scales.length);
    }

    @Override long usedMetaBytes(int n) {
        return 4L * n * blocks;
    }

    // ---------------------------------------------------------------- attention

    @Override public float dot(int slot, float[] q, int qOff) {
        if (state[slot] < 0) return residualDot(-1 - state[slot], q, qOff);
        float s = 0f;
        for (int d = 0; d < dim; d++) {
            int m = slot * blocks + d / GROUP;
            s += q[qOff + d] * (f16(zeros[m]) + f16(scales[m]) * code(slot, d));
        }
        return s;
    }

    @Override public void addScaled(int slot, float a, float[] acc, int accOff) {
        if (state[slot] < 0) {
            residualAddScaled(-1 - state[slot], a, acc, accOff);
            return;
        }
        for (int d = 0; d < dim; d++) {
            int m = slot * blocks + d / GROUP;
            acc[accOff + d] += a * (f16(zeros[m]) + f16(scales[m]) * code(slot, d));
        }
    }

    /**
     * {@code out = Σ_j p_j v_(from+j)}: one block column at a time, four accumulators of 8 channels
     * in registers over the whole run (each gets p_j s_jb times the widened codes), then per block
     * the packing's units and offsets and Σ_j p_j z_jb applied once; the residual window's F16
     * tokens are added last.
     */
    @Override public void mix(int from, int len, float[] p, int pOff, float[] out, int oOff) {
        if (!vectorised) {
            super.mix(from, len, p, pOff, out, oOff);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
            float weights = 0f, zeroSum = 0f;
            for (int j = 0; j < len; j++) {
                int slot = from + j;
                if (state[slot] < 0) continue;
                int m = slot * blocks + b;
                float pj = p[pOff + j], w = pj * f16(scales[m]);
                weights += w;
                zeroSum += pj * f16(zeros[m]);
                FloatVector vw = FloatVector.broadcast(F8, w);
                if (bits == 4) {
                    int o = slot * codeBytes + b * 16;
                    ByteVector lo = load(codes, o), hi = load(codes, o + 8);
                    a0 = low4(lo).fma(vw, a0);
                    a1 = low4(hi).fma(vw, a1);
                    a2 = high4(lo).fma(vw, a2);
                    a3 = high4(hi).fma(vw, a3);
                } else {
                    ByteVector v = load(codes, slot * codeBytes + b * 8);
                    a0 = crumb0(v).fma(vw, a0);
                    a1 = crumb1(v).fma(vw, a1);
                    a2 = crumb2(v).fma(vw, a2);
                    a3 = crumb3(v).fma(vw, a3);
                }
            }
            int c = oOff + b * GROUP;
            FloatVector z = FloatVector.broadcast(F8, zeroSum);
            // channel i of the block: Σ_j w_j u_ji / unit_i + offset_i Σ_j w_j + Σ_j p_j z_j
            a0.mul(1f / unit[0]).add(z).intoArray(out, c);
            a1.mul(1f / unit[8]).add(FloatVector.broadcast(F8, zeroSum + offset[8] * weights)).intoArray(out, c + 8);
            a2.mul(1f / unit[16]).add(FloatVector.broadcast(F8, zeroSum + offset[16] * weights)).intoArray(out, c + 16);
            a3.mul(1f / unit[24]).add(FloatVector.broadcast(F8, zeroSum + offset[24] * weights)).intoArray(out, c + 24);
        }
        for (int j = 0; j < len; j++) {
            int st = state[from + j];
            if (st < 0) residualAddScaled(-1 - st, p[pOff + j], out, oOff);
        }
    }
}
