package dev.kvasir.core.tensor;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;

import dev.kvasir.core.gguf.GgmlType;

/**
 * The measurement behind {@link KernelAllocationTest}, run in a JVM of its own per tensor type:
 * decode (matvec) and batched (matmul) products of one matrix until the compiled kernels stop
 * allocating, or a deadline. Prints {@code bytes-per-call=N} and exits 0 when allocation
 * stopped, 1 when it did not, 2 when the compiled kernels' results leave the scalar reference's
 * bounds (the check runs at forced vector widths and kernel modes too, in JVMs of their own).
 *
 * <p>A fresh JVM, like a process serving one model: in the shared test JVM, earlier tests run
 * the same kernels on tiny matrices first, and the helpers then get compiled on their own in
 * an order no real run sees, which can make C2 box vectors in the kernels compiled afterwards.
 */
public final class KernelAllocationCheck {
    private KernelAllocationCheck() {}

    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(args[0]);
        long deadlineNanos = (long) (Double.parseDouble(args[1]) * 1e9);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int rows = 64, cols = 512, batch = 20;
        Random rnd = new Random(5);
        byte[] bytes = KernelTestSupport.randomData(type, rows, cols, rnd);
        WeightMatrix m = WeightMatrices.of(type, KernelTestSupport.nativeCopy(bytes), rows, cols);
        float[] x = KernelTestSupport.randomVector(cols, rnd);
        float[] xs = KernelTestSupport.randomVector(batch * cols, rnd);
        float[] out = new float[batch * rows];
        long start = System.nanoTime();
        double perCall = Double.NaN;
        while (System.nanoTime() - start < deadlineNanos) {
            for (int i = 0; i < 300; i++) {
                m.matvec(x, 0, out, 0, 0, rows);
                m.matmul(xs, batch, out, rows, 0, rows);
            }
            long a0 = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50; i++) {
                m.matvec(x, 0, out, 0, 0, rows);
                m.matmul(xs, batch, out, rows, 0, rows);
            }
            perCall = (mx.getCurrentThreadAllocatedBytes() - a0) / 100.0;
            if (perCall < 64) break;
        }
        System.out.printf(Locale.ROOT, "vector bits=%d int8 matvec=%s bytes-per-call=%.0f seconds=%.1f%n", Kernels.L * 32,
                ((BlockMatrix) m).matvecQuantizesX(), perCall, (System.nanoTime() - start) / 1e9);
        String wrong = checkResults(type, m, ScalarReference.dequantize(type, bytes, 0, rows * cols), x, xs, batch, out);
        if (wrong != null) {
            System.out.println("compiled kernel result out of bounds: " + wrong);
            System.exit(2);
        }
        System.exit(perCall < 64 ? 0 : 1);
    }

    /** The compiled kernels' last results against the scalar reference: null when all are within bounds. */
    private static String checkResults(GgmlType type, WeightMatrix m, float[] ref, float[] x, float[] xs, int batch, float[] out) {
        int rows = m.rows(), cols = m.cols();
        int bs = Math.min(cols, type.blockSize() == 1 ? 32 : type.blockSize());
        m.matmul(xs, batch, out, rows, 0, rows);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double want = KernelTestSupport.dotRef(ref, r * cols, xs, b * cols, cols);
                double tol = KernelTestSupport.bound(ref, r * cols, xs, b * cols, cols, bs);
                if (!(Math.abs(out[b * rows + r] - want) <= tol)) return "matmul token " + b + " row " + r + ": " + out[b * rows + r] + " vs " + want;
            }
        }
        m.matvec(x, 0, out, 0, 0, rows);
        for (int r = 0; r < rows; r++) {
            double want = KernelTestSupport.dotRef(ref, r * cols, x, 0, cols);
            double tol = KernelTestSupport.matvecBound(m, ref, r * cols, x, 0, cols, bs);
            if (!(Math.abs(out[r] - want) <= tol)) return "matvec row " + r + ": " + out[r] + " vs " + want;
        }
        return null;
    }
}
