package dev.kvasir.core.kv;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;

/**
 * The measurement behind {@link StoreKernelAllocationTest}, in a JVM of its own per precision:
 * the decode kernels of a KV store ({@link VectorStore#scores}, {@link VectorStore#mix},
 * {@link VectorStore#dot}, {@link VectorStore#addScaled}, {@link VectorStore#getRange}) on a chunk
 * of 128 slots of a 64-value head until the compiled kernels stop allocating, or a deadline.
 * Prints {@code bytes-per-call=N}; exits 0 when allocation stopped, 1 when it did not.
 */
public final class StoreKernelAllocationCheck {
    private StoreKernelAllocationCheck() {}

    public static void main(String[] args) {
        KvPrecision precision = KvPrecision.valueOf(args[0]);
        long deadlineNanos = (long) (Double.parseDouble(args[1]) * 1e9);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int dim = 64, n = 128;
        Random rnd = new Random(5);
        // the keys' and the values' stores (KIVI lays them out differently), 128 slots: KIVI's four whole groups
        VectorStore s = VectorStore.create(precision, VectorStore.Role.KEYS, dim, n), t = VectorStore.create(precision, VectorStore.Role.VALUES, dim, n);
        float[] v = new float[dim];
        for (int slot = 0; slot < n; slot++) {
            for (int i = 0; i < dim; i++) v[i] = (float) rnd.nextGaussian();
            s.put(slot, v, 0);
            t.put(slot, v, 0);
        }
        float[] q = new float[dim], p = new float[n], out = new float[dim], chunk = new float[n * dim];
        for (int i = 0; i < dim; i++) q[i] = (float) rnd.nextGaussian();
        long start = System.nanoTime();
        double perCall = Double.NaN;
        float sink = 0;
        while (System.nanoTime() - start < deadlineNanos) {
            for (int i = 0; i < 300; i++) sink += round(s, q, p, out, chunk) + round(t, q, p, out, chunk);
            long a0 = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50; i++) sink += round(s, q, p, out, chunk) + round(t, q, p, out, chunk);
            perCall = (mx.getCurrentThreadAllocatedBytes() - a0) / 50.0;
            if (perCall < 64) break;
        }
        System.out.printf(Locale.ROOT, "bytes-per-call=%.0f seconds=%.1f (%s)%n", perCall, (System.nanoTime() - start) / 1e9,
                Float.isNaN(sink) ? "nan" : "ok");
        System.exit(perCall < 64 ? 0 : 1);
    }

    private static float round(VectorStore s, float[] q, float[] p, float[] out, float[] chunk) {
        int n = p.length;
        s.scores(0, n, q, 0, 0.125f, p, 0);
        for (int j = 0; j < n; j++) p[j] = 1f / (1 + Math.abs(p[j]));
        s.mix(0, n, p, 0, out, 0);
        s.addScaled(3, 0.5f, out, 0);
        s.getRange(0, n, chunk, 0);
        return s.dot(7, q, 0) + out[1] + chunk[5];
    }
}
