package dev.kvasir.core.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import dev.kvasir.core.gguf.GgmlType;

/** Random weight data and error bounds shared by the kernel tests. */
final class KernelTestSupport {
    private KernelTestSupport() {}

    static final GgmlType[] TYPES = {
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
        GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K
    };

    /** Byte offsets of the f16 scale fields in a block (overwritten: random bits there may be NaN/inf). */
    static int[] scaleFields(GgmlType t) {
        return switch (t) {
            case Q4_0, Q5_0, Q8_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
    }

    /** A random half of magnitude 2^-17 .. 2^-1 (some subnormal), random sign. */
    static short saneHalf(Random rnd) {
        float mag = (float) Math.pow(2, -17 + 16 * rnd.nextDouble());
        return Float.floatToFloat16(rnd.nextBoolean() ? mag : -mag);
    }

    static void putShort(byte[] b, int off, short v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
    }

    /** Random row data of {@code rows x cols} weights of {@code type}, with sane scales. */
    static byte[] randomData(GgmlType type, int rows, int cols, Random rnd) {
        int n = (int) type.byteSize((long) rows * cols);
        byte[] b = new byte[n];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < rows * cols; i++) {
                    int bits = Float.floatToRawIntBits((float) rnd.nextGaussian());
                    putShort(b, 4 * i, (short) bits);
                    putShort(b, 4 * i + 2, (short) (bits >>> 16));
                }
            }
            case F16 -> {
                for (int i = 0; i < rows * cols; i++) putShort(b, 2 * i, saneHalf(rnd));
            }
            case BF16 -> {
                for (int i = 0; i < rows * cols; i++) {
                    putShort(b, 2 * i, (short) (Float.floatToRawIntBits((float) rnd.nextGaussian()) >>> 16));
                }
            }
            default -> {
                rnd.nextBytes(b);
                for (int blk = 0; blk < n; blk += type.typeSize()) {
                    for (int f : scaleFields(type)) putShort(b, blk + f, saneHalf(rnd));
                }
            }
        }
        return b;
    }

    /** The bytes in a native segment, as a memory-mapped tensor would be. */
    static MemorySegment nativeCopy(byte[] b) {
        MemorySegment s = Arena.ofAuto().allocate(Math.max(1, b.length), 64).asSlice(0, b.length);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        return s;
    }

    static float[] randomVector(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    static double dotRef(float[] w, int wOff, float[] x, int xOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) w[wOff + i] * x[xOff + i];
        return s;
    }

    /**
     * Allowed error of a float dot product of a row {@code w} with {@code x}: the classic bound
     * for summing n products in float is (n-1)·u·Σ|w_i x_i| (u = 2^-24), whatever the order of
     * summation; n = cols plus slack for the final lane reduction and per-block scale products.
     * Kernels compute some terms in split form (d·Σq·x + m·Σx, dmin·m·Σx) whose parts can exceed
     * |w_i x_i|, so each term is weighted by |w_i| plus the largest |w| of its block, which
     * bounds the offsets. The bound is deterministic (no flaky tests) and still ~1e-4 relative
     * at most, far below the error of any wrong nibble, scale or lane order.
     */
    /**
     * {@link #bound} of a matvec, plus, when the matrix's matvec multiplies with x rounded to
     * int8 blocks of 32 ({@link Q8Vector}), the rounding's worst case: each x_i moves by at most
     * half its block's step amax/127 (plus float slack in the scale and its inverse, 2^-10 of
     * a step), so the product moves by at most that times the block's sum of |w_i|.
     */
    static double matvecBound(WeightMatrix m, float[] w, int wOff, float[] x, int xOff, int n, int blockSize) {
        double tol = bound(w, wOff, x, xOff, n, blockSize);
        if (!((BlockMatrix) m).matvecQuantizesX()) return tol;
        for (int b0 = 0; b0 < n; b0 += Q8Vector.BLOCK) {
            double amax = 0, wsum = 0;
            for (int i = b0; i < b0 + Q8Vector.BLOCK; i++) {
                amax = Math.max(amax, Math.abs(x[xOff + i]));
                wsum += Math.abs(w[wOff + i]);
            }
            tol += (0.5 + 0x1p-10) * amax / 127 * wsum;
        }
        return tol;
    }

    static double bound(float[] w, int wOff, float[] x, int xOff, int n, int blockSize) {
        double mag = 0;
        for (int b0 = 0; b0 < n; b0 += blockSize) {
            int b1 = Math.min(n, b0 + blockSize);
            double blockMax = 0;
            for (int i = b0; i < b1; i++) blockMax = Math.max(blockMax, Math.abs(w[wOff + i]));
            for (int i = b0; i < b1; i++) mag += Math.abs(x[xOff + i]) * (Math.abs(w[wOff + i]) + blockMax);
        }
        return (n + 64) * 0x1p-24 * mag + Float.MIN_NORMAL;
    }
}
