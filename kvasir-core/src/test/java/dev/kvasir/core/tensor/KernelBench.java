package dev.kvasir.core.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import dev.kvasir.core.gguf.GgmlType;
import dev.kvasir.core.util.Parallel;

/**
 * Micro-benchmark of the weight kernels on SmolLM2-135M's shapes, with the real memory-mapped
 * Q4_1/Q8_0 tensors of the GGUF file and synthetic matrices of the other types.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kvasir-core/target/classes:kvasir-core/target/test-classes \
 *     dev.kvasir.core.tensor.KernelBench [model.gguf] [seconds-per-measurement]
 * </pre>
 *
 * Reports GFLOP/s (2·rows·cols·batch per call) and the effective weight bandwidth (weight bytes
 * per call / time), for 1 and 2 threads (split of the rows through {@link Parallel}), each the
 * median and best of 5 measurements. "decode model" runs every matvec of one token (30 layers
 * of q,k,v,o,gate,up,down + the tied Q8_0 output head); "prefill model" the same as matmuls.
 */
public final class KernelBench {
    private KernelBench() {}

    record Tensor(String name, GgmlType type, long rows, long cols, long offset) {}

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args.length > 0 ? args[0]
                : System.getProperty("user.home") + "/.cache/kvasir/models/SmolLM2-135M-Instruct.Q4_1.gguf");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
        System.out.printf(Locale.ROOT, "vector species: %s, %d float lanes; %d processors%n",
                Kernels.FS, Kernels.L, Runtime.getRuntime().availableProcessors());
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(model, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Map<String, Tensor> tensors = readTensorInfos(file);
            long start = dataStart;
            Map<String, WeightMatrix> w = new LinkedHashMap<>();
            for (Tensor t : tensors.values()) {
                if (t.cols() == 0 || t.rows() <= 1) continue;
                long bytes = t.type().byteSize(t.rows() * t.cols());
                w.put(t.name(), WeightMatrices.of(t.type(), file.asSlice(start + t.offset(), bytes), (int) t.rows(), (int) t.cols()));
            }
            for (String n : List.of("blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight", "token_embd.weight")) {
                Tensor t = tensors.get(n);
                System.out.printf(Locale.ROOT, "%-24s %-5s rows %6d cols %5d%n", n, t.type(), t.rows(), t.cols());
            }
            try (Parallel p1 = new Parallel(1); Parallel p2 = new Parallel(2)) {
                // -Dbench.threads=1 to measure one thread only (-Dbench.sections=real,synthetic,stream,model, -Dbench.types=Q4_1,...)
                Parallel[] pars = System.getProperty("bench.threads", "1,2").equals("1") ? new Parallel[] {p1} : new Parallel[] {p1, p2};
                String sections = System.getProperty("bench.sections", "real,synthetic,model");
                String types = System.getProperty("bench.types", "");
                if (sections.contains("real")) {
                System.out.println("\n== real tensors (matvec = decode, matmul = prefill) ==");
                for (String n : List.of("blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight", "token_embd.weight")) {
                    WeightMatrix m = w.get(n);
                    for (Parallel p : pars) benchOne(n, m, p, 1, seconds);
                    if (!n.startsWith("token_embd")) {
                        for (int batch : new int[] {64, 128}) for (Parallel p : pars) benchOne(n, m, p, batch, seconds);
                    }
                }
                }
                if (sections.contains("synthetic")) {
                System.out.println("\n== synthetic matrices of each type, ffn_gate shape 1536x576 and attn_q 576x576 ==");
                for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                        GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                    if (!types.isEmpty() && !Arrays.asList(types.split(",")).contains(type.name())) continue;
                    int cols = type.blockSize() == 256 ? 768 : 576; // K-quants need 256 | cols (SmolLM2 has 576 = 2.25 blocks)
                    WeightMatrix m = synthetic(type, 1536, cols);
                    String n = "synthetic 1536x" + cols;
                    for (Parallel p : pars) benchOne(n, m, p, 1, seconds);
                    for (Parallel p : pars) benchOne(n, m, p, 128, seconds);
                }
                }
                if (sections.contains("stream")) {
                // larger than the last-level cache: decode streams every weight from DRAM, as here
                System.out.println("\n== synthetic 32768x2048 matrices of each type, larger than the caches (matvec) ==");
                for (GgmlType type : new GgmlType[] {GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                        GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                    if (!types.isEmpty() && !Arrays.asList(types.split(",")).contains(type.name())) continue;
                    WeightMatrix m = synthetic(type, 32768, 2048);
                    for (Parallel p : pars) benchOne("synthetic 32768x2048", m, p, 1, seconds);
                }
                }
                if (sections.contains("model")) {
                System.out.println("\n== whole model: one token's matvecs / a 128-token prefill's matmuls ==");
                List<WeightMatrix> all = new ArrayList<>();
                for (int l = 0; l < 30; l++) {
                    for (String s : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) {
                        all.add(w.get("blk." + l + "." + s + ".weight"));
                    }
                }
                List<WeightMatrix> withHead = new ArrayList<>(all);
                withHead.add(w.get("token_embd.weight"));
                for (Parallel p : pars) benchModel("decode model (incl. head)", withHead, p, 1, seconds * 4);
                for (Parallel p : pars) benchModel("prefill model (no head)", all, p, 128, seconds * 4);
                for (Parallel p : pars) benchModel("prefill model (no head)", all, p, 64, seconds * 4);
                }
            }
        }
    }

    static WeightMatrix synthetic(GgmlType type, int rows, int cols) {
        byte[] b = KernelTestSupport.randomData(type, rows, cols, new Random(1));
        return WeightMatrices.of(type, KernelTestSupport.nativeCopy(b), rows, cols);
    }

    static void run(WeightMatrix m, Parallel p, int batch, float[] xs, float[] out) {
        int rows = m.rows();
        if (batch == 1) {
            p.forRange(rows, 16, (from, to) -> m.matvec(xs, 0, out, from, from, to));
        } else {
            p.forRange(rows, FloatGemm.R, (from, to) -> m.matmul(xs, batch, out, rows, from, to));
        }
    }

    static void benchOne(String name, WeightMatrix m, Parallel p, int batch, double seconds) {
        float[] xs = KernelTestSupport.randomVector(batch * m.cols(), new Random(2));
        float[] out = new float[batch * m.rows()];
        double[] t = measure(() -> run(m, p, batch, xs, out), seconds);
        double flops = 2.0 * m.rows() * m.cols() * batch;
        System.out.printf(Locale.ROOT, "%-22s %-5s %-7s thr %d: %8.1f us  %6.1f GFLOP/s (best %6.1f%s)  %6.1f GB/s%n",
                name.replace(".weight", ""), m.type(), batch == 1 ? "matvec" : "mm" + batch, p.threads(),
                t[0] * 1e6, flops / t[0] / 1e9, flops / t[1] / 1e9,
                p.threads() == 1 ? String.format(Locale.ROOT, ", cpu %6.1f", flops / t[2] / 1e9) : "",
                m.byteSize() / t[0] / 1e9);
        if (t[3] > 1024) System.out.printf(Locale.ROOT, "    !! %.0f bytes allocated per call%n", t[3]);
    }

    static void benchModel(String name, List<WeightMatrix> ms, Parallel p, int batch, double seconds) {
        int maxCols = ms.stream().mapToInt(WeightMatrix::cols).max().orElseThrow();
        int maxRows = ms.stream().mapToInt(WeightMatrix::rows).max().orElseThrow();
        float[] xs = KernelTestSupport.randomVector(batch * maxCols, new Random(3));
        float[] out = new float[batch * maxRows];
        double[] t = measure(() -> {
            for (WeightMatrix m : ms) run(m, p, batch, xs, out);
        }, seconds);
        double flops = 0, bytes = 0;
        for (WeightMatrix m : ms) {
            flops += 2.0 * m.rows() * m.cols() * batch;
            bytes += m.byteSize();
        }
        System.out.printf(Locale.ROOT, "%-26s batch %3d thr %d: %8.2f ms  -> %7.1f tok/s (best %7.1f%s)  %6.1f GFLOP/s  %6.1f GB/s%n",
                name, batch, p.threads(), t[0] * 1e3, batch / t[0], batch / t[1],
                p.threads() == 1 ? String.format(Locale.ROOT, ", cpu %7.1f", batch / t[2]) : "",
                flops / t[0] / 1e9, bytes / t[0] / 1e9);
    }

    /**
     * Seconds per call after warm-up: {median wall, best wall, median CPU of this thread}. With
     * one thread all work runs on the caller, so the CPU time excludes time stolen by other
     * processes on this shared machine (median of 5 measurements of ~seconds/5 each).
     */
    static double[] measure(Runnable r, double seconds) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
        int calls = 0;
        while (System.nanoTime() < warmEnd || calls < 3) {
            r.run();
            calls++;
        }
        // calibrate on the compiled code: a second, timed warm-up
        long c0 = System.nanoTime();
        for (int c = 0; c < calls; c++) r.run();
        double perCall = (System.nanoTime() - c0) / 1e9 / calls;
        int perMeasure = Math.max(1, (int) (seconds / 5 / perCall));
        double[] wall = new double[5], cpu = new double[5];
        com.sun.management.ThreadMXBean smx = (com.sun.management.ThreadMXBean) mx;
        long alloc0 = smx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < wall.length; i++) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int c = 0; c < perMeasure; c++) r.run();
            wall[i] = (System.nanoTime() - t0) / 1e9 / perMeasure;
            cpu[i] = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9 / perMeasure;
        }
        long allocated = smx.getCurrentThreadAllocatedBytes() - alloc0;
        Arrays.sort(wall);
        Arrays.sort(cpu);
        // the kernels must not allocate: bytes per call reveal a Vector API op that was not intrinsified
        return new double[] {wall[2], wall[0], cpu[2], allocated / (5.0 * perMeasure)};
    }

    // ---- just enough GGUF to find tensors (the real parser lives in dev.kvasir.core.gguf) ----

    static long dataStart;

    static Map<String, Tensor> readTensorInfos(MemorySegment f) {
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long[] pos = {0};
        if (f.get(i32, 0) != 0x46554747) throw new IllegalArgumentException("not a GGUF file");
        int version = f.get(i32, 4);
        if (version < 2) throw new IllegalArgumentException("GGUF version " + version);
        long nTensors = f.get(i64, 8), nKv = f.get(i64, 16);
        pos[0] = 24;
        long alignment = 32;
        for (long i = 0; i < nKv; i++) {
            String key = readString(f, pos, i64);
            int vt = f.get(i32, pos[0]);
            pos[0] += 4;
            if (key.equals("general.alignment")) alignment = f.get(i32, pos[0]);
            skipValue(f, pos, vt, i32, i64);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (long i = 0; i < nTensors; i++) {
            String name = readString(f, pos, i64);
            int nd = f.get(i32, pos[0]);
            pos[0] += 4;
            long[] dims = new long[nd];
            for (int d = 0; d < nd; d++) {
                dims[d] = f.get(i64, pos[0]);
                pos[0] += 8;
            }
            GgmlType type = GgmlType.fromId(f.get(i32, pos[0]));
            long off = f.get(i64, pos[0] + 4);
            pos[0] += 12;
            long cols = dims[0], rows = 1;
            for (int d = 1; d < nd; d++) rows *= dims[d];
            out.put(name, new Tensor(name, type, rows, cols, off));
        }
        dataStart = (pos[0] + alignment - 1) / alignment * alignment;
        return out;
    }

    private static String readString(MemorySegment f, long[] pos, ValueLayout.OfLong i64) {
        long n = f.get(i64, pos[0]);
        byte[] b = f.asSlice(pos[0] + 8, n).toArray(ValueLayout.JAVA_BYTE);
        pos[0] += 8 + n;
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void skipValue(MemorySegment f, long[] pos, int vt, ValueLayout.OfInt i32, ValueLayout.OfLong i64) {
        switch (vt) {
            case 0, 1, 7 -> pos[0] += 1;
            case 2, 3 -> pos[0] += 2;
            case 4, 5, 6 -> pos[0] += 4;
            case 10, 11, 12 -> pos[0] += 8;
            case 8 -> readString(f, pos, i64);
            case 9 -> {
                int et = f.get(i32, pos[0]);
                long n = f.get(i64, pos[0] + 4);
                pos[0] += 12;
                for (long i = 0; i < n; i++) skipValue(f, pos, et, i32, i64);
            }
            default -> throw new IllegalArgumentException("GGUF value type " + vt);
        }
    }
}
