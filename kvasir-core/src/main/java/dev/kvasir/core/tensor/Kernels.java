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
