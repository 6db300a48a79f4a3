package dev.kvasir.core.kv;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;

/**
 * KIVI's keys (Liu et al. 2024, §3.2–3.3): quantised <em>per channel</em>. A group is G = 32
 * tokens; for each channel d it has a zero point z_d = min_t k_td and a scale
 * s_d = (max_t k_td − z_d) / (2^B − 1), and token t's channel d is stored as the code
 * c_td = round((k_td − z_d) / s_d). Keys have a few channels of large magnitude (the paper's
 * Figure 2); per-channel groups give those channels scales of their own instead of letting them
 * set every token's scale, which is what makes 2 bits usable for keys.
 *
 * <p><b>Attention on the codes.</b> For a query q and a key of group g,
 * q·k_t = Σ_d q_d (z_gd + s_gd c_td) = Σ_d (q_d s_gd) c_td + Σ_d q_d z_gd: per group, w = q ⊙ s_g
 * and the constant Σ_d q_d z_gd are computed once ({@link #prepare}); per token the score is one
 * dot product of w with the token's integer codes, widened to floats 8 at a time (Vector API),
 * plus the constant. The codes' packing (see {@link KiviStore}) folds into w and the constant.
 * Tokens of the F16 residual window are scored on their F16 values.
 *
 * <p><b>Groups and eviction.</b> A group's scales and zero points live in a table indexed by the
 * group; each slot names its group ({@link #state}). Evicting tokens leaves the rest of their
 * group pointing at the same scales and zero points, unchanged; a group without members is
 * dropped when the store compacts, or reused when a slot is overwritten or the head rolled back.
 */
public final class KiviKeyStore extends KiviStore {
    /** Per thread: q ⊙ s of the group being scored, with the packing's units folded in. */
    private static final ThreadLocal<float[]> WEIGHTS = ThreadLocal.withInitial(() -> new float[0]);

    /** F16 zero points and scales, {@code dim} per group. */
    short[] zeros = new short[0], scales = new short[0];
    /** Slots that use each group; groups with none are listed in {@link #free} for reuse. */
    int[] members = new int[0], free = new int[0];
    int groups, freeCount;

    KiviKeyStore(KvPrecision precision, int dim, int capacity) {
        super(precision, dim, capacity);
    }

    @Override public VectorStore duplicate() {
        KiviKeyStore copy = new KiviKeyStore(precision, dim, 0);
        copyInto(copy);
        copy.zeros = zeros.clone();
        copy.scales = scales.clone();
        copy.members = members.clone();
        copy.free = free.clone();
        copy.groups = groups;
        copy.freeCount = freeCount;
        return copy;
    }

    /** Groups that have members (their scales and zero points are held). */
    public int liveGroups() {
        return groups - freeCount;
    }

    /** The group of quantised slot {@code slot} (for tests of eviction). */
    public int groupOf(int slot) {
        if (state[slot] < 0) throw new IllegalArgumentException("slot " + slot + " is in the F16 residual window");
        return state[slot];
    }

    /** The stored zero point and scale of channel {@code c} of group {@code g}, as F16 bits {@code zero | scale << 16}. */
    public int zeroAndScaleBits(int g, int c) {
        return (zeros[g * dim + c] & 0xFFFF) | (scales[g * dim + c] & 0xFFFF) << 16;
    }

    /** The stored scale of channel {@code c} of the group of quantised slot {@code slot}. */
    public float scale(int slot, int c) {
        return f16(scales[groupOf(slot) * dim + c]);
    }

    private int newGroup() {
        if (freeCount > 0) return free[--freeCount];
        if (groups == members.length) {
            int n = groups + (groups >> 1) + 4;
            members = Arrays.copyOf(members, n);
            free = Arrays.copyOf(free, n);
            zeros = Arrays.copyOf(zeros, n * dim);
            scales = Arrays.copyOf(scales, n * dim);
        }
        return groups++;
    }

    @Override void quantizeGroup(int[] slots, float[] x) {
        int g = newGroup(), n = slots.length;
        members[g] = n;
        float[] z = new float[dim], inv = new float[dim];
        for (int d = 0; d < dim; d++) {
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) {
                float v = x[t * dim + d];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            int zs = zeroAndScale(min, max);
            zeros[g * dim + d] = (short) zs;
            scales[g * dim + d] = (short) (zs >>> 16);
            z[d] = f16((short) zs);
            float s = f16((short) (zs >>> 16));
            inv[d] = s == 0f ? 0f : 1f / s;
        }
        int[] code = new int[dim];
        for (int t = 0; t < n; t++) {
            for (int d = 0; d < dim; d++) code[d] = quantize(x[t * dim + d], z[d], inv[d]);
            pack(slots[t], code);
            state[slots[t]] = g;
        }
    }

    @Override void release(int slot) {
        int g = state[slot];
        if (--members[g] == 0) free[freeCount++] = g;
    }

    @Override void dequantize(int slot, float[] dst, int off) {
        int g = state[slot] * dim;
        for (int d = 0; d < dim; d++) dst[off + d] = f16(zeros[g + d]) + f16(scales[g + d]) * code(slot, d);
    }

    @Override void resizeMeta(int newCapacity) {}

    /** The survivors' groups, renumbered in order of first use, keep their scales and zero points; groups left empty are released. */
    @Override void compactMeta(int[] keep, int n, int capacity, int[] newState) {
        int[] map = new int[groups];
        Arrays.fill(map, -1);
        int live = 0;
        for (int i = 0; i < n; i++) {
            int g = newState[i];
            if (g >= 0 && map[g] < 0) map[g] = live++;
        }
        short[] z = new short[live * dim], s = new short[live * dim];
        int[] m = new int[live];
        for (int g = 0; g < groups; g++) {
            if (map[g] < 0) continue;
            System.arraycopy(zeros, g * dim, z, map[g] * dim, dim);
            System.arraycopy(scales, g * dim, s, map[g] * dim, dim);
        }
        for (int i = 0; i < n; i++) {
            if (newState[i] < 0) continue;
            newState[i] = map[newState[i]];
            m[newState[i]]++;
        }
        zeros = z;
        scales = s;
        members = m;
        free = new int[live];
        groups = live;
        freeCount = 0;
    }

    @Override long metaBytes() {
        return 2L * (zeros.length + scales.length) + 4L * (members.length + free.length);
    }

    @Override long usedMetaBytes(int n) {
        return liveGroups() * (4L * dim + 4);
    }

    // ---------------------------------------------------------------- attention

    /**
     * w = q ⊙ s_g, each channel divided by its field's unit, into {@code w[0..dim)}; returns the
     * constant Σ_d q_d (z_gd + offset_d · s_gd), so that q·k_t = Σ_d w_d u_td + constant for the
     * fields u as the kernels read them.
     */
    private float prepare(int g, float[] q, int qOff, float[] w) {
        int base = g * dim;
        float constant = 0f;
        for (int d = 0; d < dim; d++) {
            float s = f16(scales[base + d]), qd = q[qOff + d];
            int i = d & (GROUP - 1);
            w[d] = qd * s / unit[i];
            constant += qd * (f16(zeros[base + d]) + offset[i] * s);
        }
        return constant;
    }

    /** Σ_d w_d u_td over the codes of {@code slot}. */
    private float codeDot(int slot, float[] w) {
        int base = slot * codeBytes;
        if (!vectorised) {
            float s = 0f;
            for (int d = 0; d < dim; d++) s += w[d] * unpacked(slot, d);
            return s;
        }
        FloatVector a0 = FloatVector.zero(F8), a1 = a0;
        if (bits == 4) {
            for (int b = 0, c = 0; b < blocks; b++, c += GROUP) {
                int o = base + b * 16;
                ByteVector lo = load(codes, o), hi = load(codes, o + 8);
                a0 = low4(lo).fma(FloatVector.fromArray(F8, w, c), a0);
                a1 = low4(hi).fma(FloatVector.fromArray(F8, w, c + 8), a1);
                a0 = high4(lo).fma(FloatVector.fromArray(F8, w, c + 16), a0);
                a1 = high4(hi).fma(FloatVector.fromArray(F8, w, c + 24), a1);
            }
        } else {
            for (int b = 0, c = 0; b < blocks; b++, c += GROUP) {
                ByteVector v = load(codes, base + b * 8);
                a0 = crumb0(v).fma(FloatVector.fromArray(F8, w, c), a0);
                a1 = crumb1(v).fma(FloatVector.fromArray(F8, w, c + 8), a1);
                a0 = crumb2(v).fma(FloatVector.fromArray(F8, w, c + 16), a0);
                a1 = crumb3(v).fma(FloatVector.fromArray(F8, w, c + 24), a1);
            }
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Scores of a run of slots: w and the constant are prepared once per group (consecutive slots
     * mostly share one), then each token costs one integer-code dot product.
     */
    @Override public void scores(int from, int len, float[] q, int qOff, float scale, float[] p, int pOff) {
        float[] w = WEIGHTS.get();
        if (w.length < dim) {
            w = new float[dim];
            WEIGHTS.set(w);
        }
        int prepared = -1;
        float constant = 0f;
        for (int j = 0; j < len; j++) {
            int slot = from + j, g = state[slot];
            if (g < 0) {
                p[pOff + j] = residualDot(-1 - g, q, qOff) * scale;
                continue;
            }
            if (g != prepared) {
                constant = prepare(g, q, qOff, w);
                prepared = g;
            }
            p[pOff + j] = (codeDot(slot, w) + constant) * scale;
        }
    }

    /** One slot's q·k, on the dequantised values (a reference; attention scores runs of slots with {@link #scores}). */
    @Override public float dot(int slot, float[] q, int qOff) {
        int g = state[slot];
        if (g < 0) return residualDot(-1 - g, q, qOff);
        int base = g * dim;
        float s = 0f;
        for (int d = 0; d < dim; d++) s += q[qOff + d] * (f16(zeros[base + d]) + f16(scales[base + d]) * code(slot, d));
        return s;
    }

    @Override public void addScaled(int slot, float a, float[] acc, int accOff) {
        int g = state[slot];
        if (g < 0) {
            residualAddScaled(-1 - g, a, acc, accOff);
            return;
        }
        int base = g * dim;
        for (int d = 0; d < dim; d++) acc[accOff + d] += a * (f16(zeros[base + d]) + f16(scales[base + d]) * code(slot, d));
    }
}
