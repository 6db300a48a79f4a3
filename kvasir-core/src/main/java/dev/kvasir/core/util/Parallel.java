package dev.kvasir.core.util;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * A fixed pool of worker threads for kernels: splits a range into one contiguous part per
 * thread (rows of a matrix, heads of a layer). The calling thread takes part too, so a pool of
 * n threads uses n cores.
 */
public final class Parallel implements AutoCloseable {
    /** A body over [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    /** Threads used: the --threads option, defaulting to the available processors. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int threads() { return threads; }

    /** Runs body over [0, n) split into at most {@code threads} contiguous chunks, aligned to {@code align}. */
    public void forRange(int n, int align, RangeBody body) {
        if (n <= 0) return;
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, align)));
        if (parts <= 1 || pool == null) {
            body.run(0, n);
            return;
        }
        int units = (n + align - 1) / align;
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[parts - 1];
        int[] bounds = new int[parts + 1];
        for (int p = 0; p <= parts; p++) bounds[p] = Math.min(n, (int) ((long) units * p / parts) * align);
        bounds[parts] = n;
        if (ForkJoinTask.inForkJoinPool()) {
            body.run(0, n); // already on a worker: do not nest
            return;
        }
        pool.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                for (int p = 1; p < parts; p++) {
                    final int from = bounds[p], to = bounds[p + 1];
                    tasks[p - 1] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            body.run(from, to);
                        }
                    }.fork();
                }
                body.run(bounds[0], bounds[1]);
                for (ForkJoinTask<?> t : tasks) t.join();
            }
        });
    }

    public void forRange(int n, RangeBody body) {
        forRange(n, 1, body);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
