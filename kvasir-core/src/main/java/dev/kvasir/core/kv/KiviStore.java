package dev.kvasir.core.kv;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * What KIVI's key and value stores share (Liu et al. 2024, "KIVI: A Tuning-Free Asymmetric 2bit
 * Quantization for KV Cache", ICML 2024): asymmetric B-bit quantisation of groups of
 * G = {@value #GROUP} numbers, and a residual window of recent tokens kept in F16.
 *
 * <p><b>Quantisation</b> (the paper's eq. 2). A group X of numbers gets the zero point
 * z = min X and the scale s = (max X − min X) / (2^B − 1); each x ∈ X is stored as the code
 * c = round((x − z) / s) ∈ [0, 2^B − 1] and read back as x̂ = z + s·c, so |x − x̂| ≤ s/2. Scale
 * and zero point are stored in F16, z rounded down and s rounded up, so that [z, z + (2^B−1)·s]
 * still covers the group and the bound holds with the stored s. Keys form their groups per
 * channel over G tokens ({@link KiviKeyStore}), values per token over G channels
 * ({@link KiviValueStore}): the paper's finding is that key outliers sit in fixed channels and
 * value errors must stay within each token, whose attention-weighted sum is the output.
 *
 * <p><b>The residual window</b> (the paper's X_R, Algorithm 1). A token's key cannot be quantised
 * per channel before the G − 1 tokens after it exist, so the most recent tokens, fewer than G,
 * stay in F16; the slot that brings the window to G tokens quantises them together as one group.
 * Values wait in the same window, as in the paper (the most recent tokens draw most attention).
 * A slot overwritten in place (a sliding-window ring reusing it, a merge) re-enters the window;
 * the group it leaves keeps its scale and zero point for the members it still has.
 *
 * <p><b>Slots and eviction.</b> Each slot keeps its own codes and a slot index ({@link #state}):
 * a key slot names its group, whose scale and zero point it shares with the group's other
 * members wherever they now are; a slot of the window names its F16 entry. Evicting slots
 * ({@link #compact}) copies the survivors' codes and their groups' scales and zero points as they
 * are: nothing is requantised, a survivor reads back bit for bit what it read before.
 *
 * <p><b>Codes</b> are packed per block of 32 channels, as {@link Q4Store} packs its nibbles: with
 * 4 bits, byte i of a block holds channels i (low nibble) and i + 16; with 2 bits, byte i holds
 * channels i, i + 8, i + 16 and i + 24 (bits 0–1, 2–3, 4–5, 6–7). The kernels load 8 bytes,
 * mask one field and widen it to 8 floats: fields that reach the byte's sign bit are flipped there
 * first, so every field reads as u = (c − offset) · unit with unit 1, 16 (4 bits) or 1, 4, 16, 64
 * (2 bits) and offset 8 or 2 for the top field, 0 otherwise ({@link #UNIT}, {@link #OFFSET});
 * the kernels undo unit and offset once per group or per block, never per value.
 */
public abstract sealed class KiviStore extends VectorStore permits KiviKeyStore, KiviValueStore {
    /** Tokens per key group, channels per value group (and per block of packed codes). */
    static final int GROUP = KvPrecision.BLOCK;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    /** 256-bit float vectors exist (AVX2, AVX-512): the 8-lane kernels apply. */
    static final boolean VECTOR_API = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    /** The largest finite F16: group bounds are clamped to it so that no scale or zero point overflows. */
    private static final float F16_MAX = 65504f;

    protected final KvPrecision precision;
    /** Bits per code (4 or 2) and the largest code, 2^B − 1. */
    protected final int bits, levels;
    /** Blocks of 32 channels per vector (the last may be short) and bytes of codes per slot. */
    protected final int blocks, codeBytes;
    /** Whether the vector kernels apply: whole blocks and 256-bit vectors. */
    protected final boolean vectorised;
    /** For channel i of a block: the multiple of (code − offset) its field reads as, and the offset. */
    final int[] unit = new int[GROUP], offset = new int[GROUP];

    /** {@link #codeBytes} per slot. */
    byte[] codes;
    /**
     * Per slot: ≥ 0 the slot is quantised (a key slot: the index of its group); &lt; 0 it is in the
     * residual window, at entry −1 − state.
     */
    int[] state;
    /** Slots in use (the head's size): the next append is slot {@code used}. */
    int used;
    /** The residual window: F16 vectors, {@code dim} per entry, and the slot of each entry. */
    short[] residual = new short[0];
    int[] residualSlot = new int[0];
    int residualCount;

    KiviStore(KvPrecision precision, int dim, int capacity) {
        super(dim, capacity);
        this.precision = precision;
        this.bits = precision.kiviBits();
        this.levels = (1 << bits) - 1;
        this.blocks = (dim + GROUP - 1) / GROUP;
        this.codeBytes = blocks * GROUP * bits / 8;
        this.vectorised = VECTOR_API && dim % GROUP == 0;
        for (int i = 0; i < GROUP; i++) {
            int field = bits == 4 ? i / 16 : i / 8, top = 8 / bits - 1;
            unit[i] = 1 << (bits * field);
            offset[i] = field == top ? 1 << (bits - 1) : 0;
        }
        this.codes = new byte[capacity * codeBytes];
        this.state = new int[capacity];
    }

    @Override public KvPrecision precision() { return precision; }

    @Override public boolean integerKernels() { return true; }

    /** Slots of the residual window (F16, not yet quantised). */
    public int residualSize() { return residualCount; }

    /** True when slot {@code slot} is in the F16 residual window. */
    public boolean inResidual(int slot) { return state[slot] < 0; }

    // ---------------------------------------------------------------- what the layouts differ in

    /** Quantises the vectors {@code x[t·dim ..]} of {@code slots[t]} as one group: codes, scales, zero points and slot states. */
    abstract void quantizeGroup(int[] slots, float[] x);

    /** Slot {@code slot}, quantised, leaves its group (it is overwritten or dropped). */
    abstract void release(int slot);

    /** A quantised slot as floats: z + s·c per channel. */
    abstract void dequantize(int slot, float[] dst, int off);

    /** The per-slot scales (values) follow a resize to {@code newCapacity} slots. */
    abstract void resizeMeta(int newCapacity);

    /**
     * Scales and zero points follow a compaction to {@code keep[0..n)}: {@code newState[i]} holds
     * kept slot i's old state, which a key store renumbers to its groups' new indices.
     */
    abstract void compactMeta(int[] keep, int n, int capacity, int[] newState);

    /** Bytes of scales, zero points and group bookkeeping allocated. */
    abstract long metaBytes();

    /** Bytes of scales and zero points the first {@code n} slots use. */
    abstract long usedMetaBytes(int n);

    // ---------------------------------------------------------------- slots

    /**
     * Slot {@code used} appends a token to the residual window; an existing slot is overwritten
     * (in the window, or back into it, its old group keeping its scale and zero point). A window
     * that reaches G tokens is quantised.
     */
    @Override public void put(int slot, float[] src, int off) {
        if (slot == used) {
            if (slot >= capacity) throw new IndexOutOfBoundsException("slot " + slot + " beyond the capacity of " + capacity);
            used++;
            addResidual(slot, src, off);
        } else if (slot >= 0 && slot < used) {
            int st = state[slot];
            if (st < 0) {
                writeResidual(-1 - st, src, off);
                return;
            }
            release(slot);
            addResidual(slot, src, off);
        } else {
            throw new IndexOutOfBoundsException("slot " + slot + " put into a KIVI store of " + used
                    + " slots: a new slot must come right after the last");
        }
        if (residualCount == GROUP) quantizeResidual();
    }

    private void addResidual(int slot, float[] src, int off) {
        if (residualCount == residualSlot.length) {
            int n = Math.min(GROUP, Math.max(4, 2 * residualCount));
            residualSlot = Arrays.copyOf(residualSlot, n);
            residual = Arrays.copyOf(residual, n * dim);
        }
        int i = residualCount++;
        residualSlot[i] = slot;
        state[slot] = -1 - i;
        writeResidual(i, src, off);
    }

    private void writeResidual(int entry, float[] src, int off) {
        int base = entry * dim;
        for (int i = 0; i < dim; i++) residual[base + i] = Float.floatToFloat16(src[off + i]);
    }

    private void quantizeResidual() {
        float[] x = new float[GROUP * dim];
        for (int i = 0; i < x.length; i++) x[i] = Float.float16ToFloat(residual[i]);
        int[] slots = Arrays.copyOf(residualSlot, GROUP);
        residualCount = 0;
        quantizeGroup(slots, x);
    }

    @Override public void get(int slot, float[] dst, int off) {
        int st = state[slot];
        if (st < 0) {
            int base = (-1 - st) * dim;
            for (int i = 0; i < dim; i++) dst[off + i] = Float.float16ToFloat(residual[base + i]);
        } else {
            dequantize(slot, dst, off);
        }
    }

    @Override public void getRange(int from, int count, float[] dst, int off) {
        for (int s = 0; s < count; s++) get(from + s, dst, off + s * dim);
    }

    @Override public void truncate(int n) {
        if (n >= used) return;
        for (int s = n; s < used; s++) if (state[s] >= 0) release(s);
        int kept = 0;
        for (int i = 0; i < residualCount; i++) {
            int slot = residualSlot[i];
            if (slot >= n) continue;
            if (kept != i) {
                System.arraycopy(residual, i * dim, residual, kept * dim, dim);
                residualSlot[kept] = slot;
                state[slot] = -1 - kept;
            }
            kept++;
        }
        residualCount = kept;
        used = n;
    }

    @Override public void resize(int newCapacity, int usedSlots) {
        codes = Arrays.copyOf(codes, newCapacity * codeBytes);
        state = Arrays.copyOf(state, newCapacity);
        resizeMeta(newCapacity);
        capacity = newCapacity;
    }

    /** Survivors keep their codes, their groups' scales and zero points, and their F16 window entries, byte for byte. */
    @Override public void compact(int[] keep, int n, int newCapacity) {
        int cap = Math.max(Math.max(n, newCapacity), 1);
        byte[] c = new byte[cap * codeBytes];
        int[] st = new int[cap];
        int window = 0;
        for (int i = 0; i < n; i++) if (state[keep[i]] < 0) window++;
        short[] r = new short[window * dim];
        int[] rs = new int[window];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int s = keep[i], old = state[s];
            System.arraycopy(codes, s * codeBytes, c, i * codeBytes, codeBytes);
            if (old < 0) {
                System.arraycopy(residual, (-1 - old) * dim, r, k * dim, dim);
                rs[k] = i;
                st[i] = -1 - k++;
            } else {
                st[i] = old;
            }
        }
        compactMeta(keep, n, cap, st);
        codes = c;
        state = st;
        residual = r;
        residualSlot = rs;
        residualCount = window;
        used = n;
        capacity = cap;
    }

    final void copyInto(KiviStore copy) {
        copy.codes = codes.clone();
        copy.state = state.clone();
        copy.residual = residual.clone();
        copy.residualSlot = residualSlot.clone();
        copy.residualCount = residualCount;
        copy.used = used;
        copy.capacity = capacity;
    }

    /** Allocated: codes and slot index for every slot of the capacity, the window's F16 entries, scales and zero points. */
    @Override public long bytes() {
        return codes.length + 4L * state.length + 2L * residual.length + 4L * residualSlot.length + metaBytes();
    }

    /** Slots in use: their codes and slot index, the window's F16 vectors, and the scales and zero points they use. */
    @Override public long usedBytes(int n) {
        return n * (codeBytes + 4L) + residualCount * (2L * dim + 4) + usedMetaBytes(n);
    }

    // ---------------------------------------------------------------- codes

    /** The code of channel {@code c} of {@code slot}, in [0, 2^B − 1]. */
    final int code(int slot, int c) {
        int i = c & (GROUP - 1), base = slot * codeBytes + (c / GROUP) * (GROUP * bits / 8);
        if (bits == 4) return (codes[base + (i & 15)] >> (i < 16 ? 0 : 4)) & 15;
        return (codes[base + (i & 7)] >> (2 * (i >> 3))) & 3;
    }

    /** Stores {@code code[0..dim)} as the codes of {@code slot}. */
    final void pack(int slot, int[] code) {
        int base = slot * codeBytes;
        Arrays.fill(codes, base, base + codeBytes, (byte) 0);
        for (int c = 0; c < dim; c++) {
            int i = c & (GROUP - 1), at = base + (c / GROUP) * (GROUP * bits / 8);
            if (bits == 4) codes[at + (i & 15)] |= (byte) (code[c] << (i < 16 ? 0 : 4));
            else codes[at + (i & 7)] |= (byte) (code[c] << (2 * (i >> 3)));
        }
    }

    /** The field of channel {@code c} of {@code slot} as the vector kernels read it: (code − offset) · unit. */
    final float unpacked(int slot, int c) {
        int i = c & (GROUP - 1);
        return (code(slot, c) - offset[i]) * unit[i];
    }

    /** Codes 0..7 of a 4-bit block (low nibbles). */
    static FloatVector low4(ByteVector v) {
        return (FloatVector) v.and((byte) 0x0F).convertShape(VectorOperators.B2F, F8, 0);
    }

    /** Codes 16..23 of a 4-bit block as 16 · (code − 8): the high nibble in place, its top bit flipped. */
    static FloatVector high4(ByteVector v) {
        return (FloatVector) v.and((byte) 0xF0).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F8, 0);
    }

    /** Field 0 of a 2-bit block: codes 0..7. */
    static FloatVector crumb0(ByteVector v) {
        return (FloatVector) v.and((byte) 0x03).convertShape(VectorOperators.B2F, F8, 0);
    }

    /** Field 1: 4 · codes 8..15. */
    static FloatVector crumb1(ByteVector v) {
        return (FloatVector) v.and((byte) 0x0C).convertShape(VectorOperators.B2F, F8, 0);
    }

    /** Field 2: 16 · codes 16..23. */
    static FloatVector crumb2(ByteVector v) {
        return (FloatVector) v.and((byte) 0x30).convertShape(VectorOperators.B2F, F8, 0);
    }

    /** Field 3: 64 · (codes 24..31 − 2), its top bit flipped. */
    static FloatVector crumb3(ByteVector v) {
        return (FloatVector) v.and((byte) 0xC0).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F8, 0);
    }

    static ByteVector load(byte[] a, int off) {
        return ByteVector.fromArray(B8, a, off);
    }

    // ---------------------------------------------------------------- the residual window's arithmetic

    final float residualDot(int entry, float[] q, int qOff) {
        int base = entry * dim;
        float s = 0f;
        for (int i = 0; i < dim; i++) s += Float.float16ToFloat(residual[base + i]) * q[qOff + i];
        return s;
    }

    final void residualAddScaled(int entry, float a, float[] acc, int accOff) {
        int base = entry * dim;
        for (int i = 0; i < dim; i++) acc[accOff + i] += a * Float.float16ToFloat(residual[base + i]);
    }

    // ---------------------------------------------------------------- scale and zero point of a group

    /**
     * The F16 zero point and scale of a group spanning [min, max]: z rounded down, s = (max − z) /
     * (2^B − 1) rounded up, so that z + (2^B − 1)·s ≥ max and every member is within s/2 of its code.
     * Returns {@code zero | scale << 16}.
     */
    final int zeroAndScale(float min, float max) {
        min = Math.max(-F16_MAX, Math.min(F16_MAX, min));
        max = Math.max(min, Math.min(F16_MAX, max));
        short z = f16Down(min);
        short s = f16Up((max - Float.float16ToFloat(z)) / levels);
        return (z & 0xFFFF) | (s & 0xFFFF) << 16;
    }

    /** The code of x in a group of zero point z and scale s (inverse {@code inv}, 0 when s is). */
    final int quantize(float x, float z, float inv) {
        int c = (int) Math.floor((x - z) * inv + 0.5f);
        return Math.max(0, Math.min(levels, c));
    }

    /** The largest F16 value ≤ x. */
    static short f16Down(float x) {
        short h = Float.floatToFloat16(x);
        if (Float.float16ToFloat(h) <= x) return h;
        if ((h & 0x8000) == 0) return (short) (h == 0 ? 0x8001 : h - 1); // positive: one step down; +0: the smallest negative
        return (short) (h + 1); // negative: one step away from zero
    }

    /** The smallest F16 value ≥ x. */
    static short f16Up(float x) {
        short h = Float.floatToFloat16(x);
        if (Float.float16ToFloat(h) >= x) return h;
        if ((h & 0x8000) != 0) return (short) (h == (short) 0x8000 ? 0x0001 : h - 1); // negative: towards zero; −0: the smallest positive
        return (short) (h + 1);
    }

    static float f16(short h) {
        return Float.float16ToFloat(h);
    }
}
