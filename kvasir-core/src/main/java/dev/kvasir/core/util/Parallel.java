package dev.kvasir.core.util;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fork-join for kernels: splits a range into one contiguous part per thread (rows of a
 * matrix, heads of a layer) and runs the parts at once; the calling thread takes part 0.
 *
 * <p>Decode calls this ~150 times per token, so the hand-off must cost microseconds, not the
 * tens of microseconds a parked thread takes to wake: workers spin briefly on a generation
 * counter after each job and only park when no work comes for a while (so idle pools, or
 * many generators sharing a machine, do not burn CPU).
 */
public final class Parallel implements AutoCloseable {
    /** A body over [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** A body over [from, to) that also learns which part (0..threads-1) it is running. */
    @FunctionalInterface
    public interface PartBody {
        void run(int part, int from, int to);
    }

    private static final int SPIN_NANOS = 200_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile PartBody job;
    private volatile int[] bounds;
    private volatile Throwable failure;
    private Thread owner;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** Threads used: the --threads option, defaulting to the available processors. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int threads() { return threads; }

    /** Runs body over [0, n) split into at most {@code threads} contiguous chunks, aligned to {@code align}. */
    public void forRange(int n, int align, RangeBody body) {
        forParts(n, align, (part, from, to) -> body.run(from, to));
    }

    public void forRange(int n, RangeBody body) {
        forRange(n, 1, body);
    }

    /**
     * Like {@link #forRange(int, int, RangeBody)}, telling each chunk its part index so it can
     * write per-part partial results without synchronisation.
     */
    public void forParts(int n, int align, PartBody body) {
        if (n <= 0) return;
        int units = (n + Math.max(1, align) - 1) / Math.max(1, align);
        int parts = Math.min(threads, units);
        Thread me = Thread.currentThread();
        if (parts <= 1 || workers.length == 0 || owner == me || me instanceof WorkerThread) {
            body.run(0, 0, n); // one part, or a nested call: run inline
            return;
        }
        synchronized (this) { // one job at a time per pool
            owner = me;
            try {
                int[] b = new int[threads + 1];
                for (int p = 0; p <= parts; p++) b[p] = Math.min(n, (int) ((long) units * p / parts) * Math.max(1, align));
                b[parts] = n;
                for (int p = parts + 1; p <= threads; p++) b[p] = n;
                failure = null;
                bounds = b;
                job = body;
                pending.set(workers.length);
                generation++;
                for (Worker w : workers) if (w.parked) LockSupport.unpark(w.thread);
                body.run(0, b[0], b[1]);
                // Spin briefly (parts finish within microseconds of each other), then yield so that a
                // descheduled worker gets the core on an oversubscribed machine.
                long spins = 0;
                while (pending.get() != 0) {
                    if (++spins < 2_000) Thread.onSpinWait();
                    else Thread.yield();
                }
                job = null;
                Throwable f = failure;
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error er) throw er;
            } finally {
                owner = null;
            }
        }
    }

    private static final class WorkerThread extends Thread {
        WorkerThread(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }

    private final class Worker implements Runnable {
        final int part;
        final Thread thread;
        volatile boolean parked;

        Worker(int part) {
            this.part = part;
            this.thread = new WorkerThread(this, "kvasir-worker-" + part);
        }

        @Override
        public void run() {
            long seen = 0;
            while (!closed) {
                long g = generation;
                if (g == seen) {
                    long waitStart = System.nanoTime();
                    while ((g = generation) == seen && !closed) {
                        long waited = System.nanoTime() - waitStart;
                        if (waited < SPIN_NANOS / 4) {
                            Thread.onSpinWait();
                        } else if (waited < SPIN_NANOS) {
                            Thread.yield();
                        } else {
                            parked = true;
                            if (generation == seen && !closed) LockSupport.parkNanos(1_000_000L);
                            parked = false;
                        }
                    }
                    if (closed) return;
                }
                seen = g;
                try {
                    int[] b = bounds;
                    if (b[part] < b[part + 1]) job.run(part, b[part], b[part + 1]);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w.thread);
    }
}
