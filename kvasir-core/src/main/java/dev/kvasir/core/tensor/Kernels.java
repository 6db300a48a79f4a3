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
 * lane count (16 with AVX-512, 8 with AVX2, 4 with NEON). Quantized blocks hold 16 or 32
 * elements per group, so the kernels load 16 quant bytes at a time ({@link #B128}) and widen
 * them in {@link #PARTS} pieces of L ints: with AVX-512 one load becomes exactly one float
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
    /** 16 bytes: the unit in which quants are loaded. */
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** L-lane int vectors per 16 loaded bytes. */
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

    /** Sign-extends part {@code part} of 16 loaded bytes to L ints (vpmovsxbd with AVX-512). */
    static IntVector widen(ByteVector bytes, int part) {
        return (IntVector) bytes.convertShape(VectorOperators.B2I, IS, part);
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
