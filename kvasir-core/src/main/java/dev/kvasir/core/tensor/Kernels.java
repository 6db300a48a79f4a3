package dev.kvasir.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shared constants and helpers of the weight kernels.
 *
 * <p>All kernels are written against {@link #FS}, the preferred float species, and {@link #L}, its
 * lane count (16 with AVX-512, 8 with AVX2, 4 with NEON). Quantized blocks hold groups of 16
 * or 32 quants, so the kernels walk a group in {@link #PARTS} pieces of L quants, each loaded
 * and widened to L ints by {@link #widenAt}: with AVX-512 a group of 16 is exactly one float
 * vector and the part loops fold away. Because L is a static final, C2 treats all of this as
 * constants.
 *
 * <p>The system property {@code kvasir.vectorBits} (128, 256 or 512) forces a narrower species,
 * to test the narrower code paths on a wide machine.
 */
final class Kernels {
    private Kernels() {}

    static final VectorSpecies<Float> FS = chooseSpecies();
    /** Float lanes per vector. */
    static final int L = FS.length();
    /** Int species of the same shape as {@link #FS}. */
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    /** Short species with L lanes (half the width of FS), for F16/BF16 loads. */
    static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    /** L-lane vectors per 16 quant bytes (1 with AVX-512). */
    static final int PARTS = 16 / L;

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    private static VectorSpecies<Float> chooseSpecies() {
        String forced = System.getProperty("kvasir.vectorBits");
        if (forced != null) {
            return switch (forced.trim()) {
                case "128" -> FloatVector.SPECIES_128;
                case "256" -> FloatVector.SPECIES_256;
                case "512" -> FloatVector.SPECIES_512;
                default -> throw new IllegalArgumentException("kvasir.vectorBits must be 128, 256 or 512, got " + forced);
            };
        }
        VectorSpecies<Float> p = FloatVector.SPECIES_PREFERRED;
        // the block kernels need 4..16 lanes: 16-byte quant groups widen into whole vectors
        if (p.length() > 16) return FloatVector.SPECIES_512;
        if (p.length() < 4) return FloatVector.SPECIES_128;
        return p;
    }

    /** IEEE half at {@code off} (little-endian) as a float; Float.float16ToFloat is intrinsified (vcvtph2ps). */
    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(SHORT_LE, off));
    }

    /** Byte species of L lanes (null with L = 4: there is no 32-bit byte vector). */
    static final VectorSpecies<Byte> QB = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    private static final int[] BYTE_SHIFTS = {24, 16, 8, 0};

    /**
     * The L bytes at {@code off}, sign-extended to L ints: one vpmovsxbd from memory with
     * AVX-512 (16 bytes) or AVX2 (8 bytes). Loading exactly L bytes per call, rather than
     * widening part p of a 16-byte vector, keeps every conversion a constant-part intrinsic:
     * C2 does not intrinsify convertShape with a part that is a loop variable at parse time,
     * and then boxes every vector of the kernel.
     */
    static IntVector widenAt(MemorySegment d, long off) {
        if (QB != null) {
            return (IntVector) ByteVector.fromMemorySegment(QB, d, off, LE).convertShape(VectorOperators.B2I, IS, 0);
        }
        // 4 lanes (NEON): the 4 bytes as an int, each moved to the top of its lane and shifted back down
        IntVector v = IntVector.broadcast(IS, d.get(INT_LE, off));
        return v.lanewise(VectorOperators.LSHL, IntVector.fromArray(IS, BYTE_SHIFTS, 0)).lanewise(VectorOperators.ASHR, 24);
    }

    /** Short species of FS's shape: 2L lanes, the integer dot products' quant and activation lanes. */
    static final VectorSpecies<Short> QS = VectorSpecies.of(short.class, FS.vectorShape());
    /** Byte species of 2L lanes (half of FS's bits): 2L quant bytes load and widen into one {@link #QS} vector. */
    static final VectorSpecies<Byte> QSB = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 16));
    /** Short lanes per vector. */
    static final int SL = 2 * L;

    /**
     * Whether the Q4_1 and Q8_0 decode kernels multiply the weight quants with the activations
     * rounded to int8 blocks ({@link Q8Vector}) in the integer domain, as ggml's CPU backend
     * does, rather than with the float activations: {@code -Dkvasir.matvec=q8}, off by default.
     *
     * <p>At 256 and 128 bits a vector of 2L shorts takes 16 quants, twice the weights per
     * instruction of the float path (on AVX2: 1.1-1.5x per kernel, 1.15x for SmolLM2's whole decode
     * in DecodeMatvecBench; at 128 bits 1.5x). But the rounding of
     * x changes results: SmolLM2's greedy tokens then leave the golden float32 path of
     * transformers at steps 0-31 (GoldenTest), even with 11-bit activations, so it is an
     * opt-in speed/accuracy trade, like llama.cpp's. At 512 bits a block does not fill a short
     * vector and the float path is used whatever the property.
     */
    static final boolean INT_DOT = L <= 8 && "q8".equals(System.getProperty("kvasir.matvec", "").trim());

    /** The 2L bytes at {@code off}, sign-extended to 2L shorts (vpmovsxbw). */
    static ShortVector widenShortsAt(MemorySegment d, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(QSB, d, off, LE).convertShape(VectorOperators.B2S, QS, 0);
    }

    static ShortVector shorts(short[] q, int off) {
        return ShortVector.fromArray(QS, q, off);
    }

    /**
     * Adjacent pairs of 16-bit lanes summed into L int lanes (vpmaddwd's add half): the short
     * vector read as ints, each the sum of its sign-extended low and high halves. Avoids
     * convertShape of the upper part, which C2 may not intrinsify.
     */
    static IntVector pairSums(ShortVector s) {
        IntVector v = (IntVector) s.reinterpretShape(IS, 0);
        return v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16));
    }

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** BF16 values (sign-extended ints) to floats: the top 16 bits of an F32. */
    static FloatVector bf16ToFloat(IntVector h) {
        return h.lanewise(VectorOperators.LSHL, 16).viewAsFloatingLanes();
    }

    static IntVector loadShorts(MemorySegment s, long off) {
        return (IntVector) ShortVector.fromMemorySegment(SS, s, off, LE).convertShape(VectorOperators.S2I, IS, 0);
    }

    static FloatVector x(float[] x, int off) {
        return FloatVector.fromArray(FS, x, off);
    }

    static FloatVector bcast(float v) {
        return FloatVector.broadcast(FS, v);
    }

    static float sum(FloatVector v) {
        return v.reduceLanes(VectorOperators.ADD);
    }
}
