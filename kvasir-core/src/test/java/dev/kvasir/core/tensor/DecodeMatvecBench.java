package dev.kvasir.core.tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
/**
 * The weight products of one decoded token of a GGUF model (every 2-D weight once, the output
 * head included: {@code output.weight}, or the tied {@code token_embd.weight}), on one thread,
 * timed in CPU time of that thread, so that on a shared, loaded machine the figure excludes time
 * the thread was descheduled (it still includes slowdown from caches shared with other processes).
 * Compares kernel variants across JVM flags in separate runs:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kvasir-core/target/classes:kvasir-core/target/test-classes \
 *     [-Dkvasir.vectorBits=256 | -XX:MaxVectorSize=16] [-Dkvasir.matvec=q8] \
 *     dev.kvasir.core.tensor.DecodeMatvecBench model.gguf [warm-up-seconds]
 * </pre>
 */
public final class DecodeMatvecBench {
    private DecodeMatvecBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("usage: DecodeMatvecBench model.gguf [warm-up-seconds]");
        Path model = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 8;
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(model, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Map<String, KernelBench.Tensor> ts = KernelBench.readTensorInfos(file);
            long start = KernelBench.dataStart;
            boolean hasOutput = ts.containsKey("output.weight");
            List<WeightMatrix> ms = new ArrayList<>();
            for (KernelBench.Tensor t : ts.values()) {
                if (t.rows() <= 1 || t.cols() == 0) continue;
                if (t.name().equals("token_embd.weight") && hasOutput) continue;
                long bytes = t.type().byteSize(t.rows() * t.cols());
                ms.add(WeightMatrices.of(t.type(), file.asSlice(start + t.offset(), bytes), (int) t.rows(), (int) t.cols()));
            }
            int maxCols = ms.stream().mapToInt(WeightMatrix::cols).max().orElseThrow();
            int maxRows = ms.stream().mapToInt(WeightMatrix::rows).max().orElseThrow();
            float[] x = new float[maxCols];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] out = new float[maxRows];
            Runnable tok = () -> { for (WeightMatrix m : ms) m.matvec(x, 0, out, 0, 0, m.rows()); };
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) tok.run();
            double[] cpu = new double[7];
            long a0 = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < cpu.length; i++) {
                long c0 = mx.getCurrentThreadCpuTime();
                for (int k = 0; k < 5; k++) tok.run();
                cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 5e9;
            }
            Arrays.sort(cpu);
            System.out.printf(Locale.ROOT, "%s bits=%d int8-x=%s: decode matvecs %.2f ms CPU/token (median of 7) -> %.1f tok/s per core, best %.1f; %d bytes allocated/token%n",
                    model.getFileName(), Kernels.L * 32, Kernels.INT_DOT, cpu[3] * 1e3, 1 / cpu[3], 1 / cpu[0], (mx.getCurrentThreadAllocatedBytes() - a0) / 35);
        }
    }
}
