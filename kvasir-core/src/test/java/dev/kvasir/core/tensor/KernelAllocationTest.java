package dev.kvasir.core.tensor;

import static org.assertj.core.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.kvasir.core.gguf.GgmlType;

/**
 * Guards the kernels' speed against their most likely regression: a Vector API operation that
 * C2 does not intrinsify (an over-budget method, a non-constant argument, a helper that is not
 * inlined) makes C2 box vectors, which shows as heap allocation in every call and a 5-50x
 * slowdown while results stay correct. Once the kernels are compiled they allocate nothing;
 * the test waits for compilation (up to a generous deadline, as this machine may be busy) and
 * fails if allocation never stops.
 */
class KernelAllocationTest {
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void compiledKernelsDoNotAllocate(GgmlType type) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int rows = 64, cols = 512, batch = 20;
        Random rnd = new Random(5);
        WeightMatrix m = WeightMatrices.of(type, KernelTestSupport.nativeCopy(KernelTestSupport.randomData(type, rows, cols, rnd)),
                rows, cols);
        float[] x = KernelTestSupport.randomVector(cols, rnd);
        float[] xs = KernelTestSupport.randomVector(batch * cols, rnd);
        float[] out = new float[batch * rows];
        long start = System.nanoTime();
        double perCall = Double.NaN;
        while (System.nanoTime() - start < DEADLINE_NANOS) {
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
            if (perCall < 64) return;
        }
        fail("%s kernels still allocate %.0f bytes per call after %d s: some Vector API operation is not "
                + "intrinsified and C2 boxes vectors (run KernelBench, or -XX:+PrintIntrinsics)", type, perCall,
                DEADLINE_NANOS / 1_000_000_000L);
    }
}
