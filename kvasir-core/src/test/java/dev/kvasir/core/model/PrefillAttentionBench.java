package dev.kvasir.core.model;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvPrecision;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * CPU-time micro-benchmark of prefill attention (not a test): one 128-token chunk over one KV head at
 * depth D, heads of 64 floats, F32 cache, one thread; best of N iterations in thread CPU time, which
 * a shared machine disturbs less than wall time. Compares the tiled kernel with the per-query path
 * ({@link Attention#attendTransposed}). After {@code mvn -B -o test-compile -pl kvasir-core -am}:
 * {@code java --add-modules jdk.incubator.vector -cp kvasir-core/target/classes:kvasir-core/target/test-classes
 * dev.kvasir.core.model.PrefillAttentionBench DEPTH GROUP ITERS tiled|per-query}
 * (GROUP 3 is SmolLM2's query heads per KV head, 7 Qwen2.5-0.5B's).
 */
public class PrefillAttentionBench {
    public static void main(String[] a) {
        if (a.length < 3) {
            System.err.println("usage: PrefillAttentionBench DEPTH GROUP ITERS [tiled|per-query]");
            System.exit(2);
        }
        int depth = Integer.parseInt(a[0]), g = Integer.parseInt(a[1]), iters = Integer.parseInt(a[2]);
        boolean tiled = a.length < 4 || a[3].equals("tiled");
        int hd = 64, batch = 128;
        Random r = new Random(1);
        HeadCache head = new HeadCache(KvPrecision.F32, hd, depth + batch);
        float[] k = new float[hd], v = new float[hd];
        for (int s = 0; s < depth + batch; s++) {
            for (int d = 0; d < hd; d++) { k[d] = (float) r.nextGaussian(); v[d] = (float) r.nextGaussian(); }
            head.append(k, 0, v, 0, s);
        }
        float[] kt = Attention.transposeKeys(head, depth + batch, null, new float[hd]);
        int qDim = g * hd;
        float[] q = new float[batch * qDim];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        float[] out = new float[q.length];
        int padded = (depth + batch + 63) / 64 * 64 + 64;
        float[][] rows = new float[TiledPrefillAttention.TOKENS * g + 1][Math.max(padded, TiledPrefillAttention.mixScratch(hd))];
        float scale = 0.125f;
        var mx = ManagementFactory.getThreadMXBean();
        double best = 1e18;
        for (int it = 0; it < iters; it++) {
            long t0 = mx.getCurrentThreadCpuTime();
            if (tiled) {
                for (int b0 = 0; b0 < batch; b0 += TiledPrefillAttention.TOKENS)
                    TiledPrefillAttention.tile(head, kt, depth, b0, Math.min(batch, b0 + TiledPrefillAttention.TOKENS), 0, g, q, qDim, scale, rows, rows[rows.length - 1], out, null);
            } else {
                for (int b = 0; b < batch; b++) for (int h = 0; h < g; h++)
                    Attention.attendTransposed(head, kt, depth + b + 1, q, b * qDim + h * hd, scale, rows[0], out, b * qDim + h * hd);
            }
            long t1 = mx.getCurrentThreadCpuTime();
            best = Math.min(best, (t1 - t0) / 1e6);
        }
        double flops = 4.0 * hd * g * batch * (depth + batch / 2.0);
        System.out.printf("depth %d g %d %s: best %.1f ms CPU per 128-token chunk, %.1f GFLOP/s; out[5]=%f%n", depth, g, tiled ? "tiled" : "per-query", best, flops / best / 1e6, out[5]);
    }
}
