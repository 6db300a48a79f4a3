package dev.kvasir.server.engine;

import dev.kvasir.server.Quantities;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Decides when a request may start decoding. A request needs one of the decode slots and room
 * for its estimated KV bytes under the memory limit. If both are free and nobody is waiting it
 * starts at once; otherwise it joins a bounded FIFO queue and waits (up to a deadline) until it
 * is first in line and fits. FIFO keeps a large request from being starved by a stream of
 * small ones. Refusals say why and how long to wait before retrying.
 *
 * @param <S> the slot type (a decode slot holding a Generator)
 */
public final class Admission<S> {

    /** Why a request was not admitted. */
    public enum Reason {
        /** the wait queue is full */
        QUEUE_FULL,
        /** waited until the deadline without a slot or memory */
        TIMED_OUT,
        /** larger than the memory limit: it could never run */
        NEVER_FITS,
        /** the client went away while the request waited */
        CLIENT_GONE
    }

    /** A refusal: the reason, a message for the client, and a Retry-After hint in seconds. */
    public static final class Refused extends Exception {
        private final Reason reason;
        private final long retryAfterSeconds;

        Refused(Reason reason, String message, long retryAfterSeconds) {
            super(message, null, false, false);
            this.reason = reason;
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public Reason reason() { return reason; }

        public long retryAfterSeconds() { return retryAfterSeconds; }
    }

    /**
     * The right to decode: one slot and some reserved KV bytes, given back by {@link #close()}.
     * The reservation is {@code bytes} for the whole run plus {@code transientBytes} while the
     * prompt is prefilled uncompressed; {@link #settle} ends the transient part.
     */
    public final class Lease implements AutoCloseable {
        private final S slot;
        private long bytes;
        private long transientBytes;
        /** Its prompt is being prefilled uncompressed (it may hold its transient bytes now). */
        private boolean prefilling;
        private final long grantedAt = System.nanoTime();
        private boolean closed;

        private Lease(S slot, long bytes, long transientBytes) {
            this.slot = slot;
            this.bytes = bytes;
            this.transientBytes = transientBytes;
        }

        public S slot() { return slot; }

        /** Bytes reserved for the run (the transient part of the prefill excluded). */
        public long bytes() {
            lock.lock();
            try {
                return bytes;
            } finally {
                lock.unlock();
            }
        }

        /** The most this lease may hold now: its bytes plus its prefill's transient bytes. */
        public long ceiling() {
            lock.lock();
            try {
                return bytes + transientBytes;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Asks to start prefilling: granted when no other prompt is being prefilled (admission
         * kept room for the largest transient parts, one per lane), or when this one's transient
         * part fits beside those being prefilled. A refused caller tries again later (after a step).
         */
        public boolean tryStartPrefill() {
            lock.lock();
            try {
                if (prefilling || transientBytes == 0) return true;
                long inFlight = prefillingTransient();
                if (inFlight > 0 && longBytes + inFlight + transientBytes > memoryLimit) return false;
                prefilling = true;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /**
         * The prompt is compressed: the lease now holds {@code actualBytes} for the rest of the
         * run (at most its ceiling, which the caller checks) and gives up its transient part.
         */
        public void settle(long actualBytes) {
            lock.lock();
            try {
                if (closed) return;
                longBytes += actualBytes - bytes;
                bytes = actualBytes;
                transientBytes = 0;
                prefilling = false;
                unsettled.remove(this);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            release(this);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<S> freeSlots;
    private final ArrayDeque<Object> waiters = new ArrayDeque<>();
    private final int slotCount;
    private final int queueCapacity;
    private final long memoryLimit;
    private final int prefillers;
    /** Sum of the leases' run-long bytes. */
    private long longBytes;
    /** Leases still holding a transient prefill reservation. */
    private final java.util.List<Lease> unsettled = new java.util.ArrayList<>();
    /** Moving average of how long a lease is held, for Retry-After. */
    private double averageHoldSeconds = 1;

    public Admission(Collection<S> slots, int queueCapacity, long memoryLimit) {
        this(slots, queueCapacity, memoryLimit, 1);
    }

    /**
     * @param prefillers how many prompts the engine prefills at once (its batch lanes): the books
     *                   keep room for that many transient parts, so that admitting more compressed
     *                   sequences never leaves a lane unable to prefill, idle beside a busy one
     */
    public Admission(Collection<S> slots, int queueCapacity, long memoryLimit, int prefillers) {
        if (slots.isEmpty()) throw new IllegalArgumentException("admission needs at least one slot");
        if (prefillers < 1) throw new IllegalArgumentException("at least one prompt must be prefilled at a time, got " + prefillers);
        this.prefillers = prefillers;
        this.freeSlots = new ArrayDeque<>(slots);
        this.slotCount = slots.size();
        this.queueCapacity = queueCapacity;
        this.memoryLimit = memoryLimit;
    }

    /**
     * Waits until the request may run, at most until {@code deadlineNanos} ({@link System#nanoTime()} scale).
     *
     * @throws Refused when the request can never fit, the queue is full, or the deadline passes
     */
    public Lease acquire(long bytes, long deadlineNanos) throws Refused {
        return acquire(bytes, 0, deadlineNanos, () -> false);
    }

    /**
     * Waits as {@link #acquire(long, long)} for a request holding {@code bytes} during its run
     * and up to {@code transientBytes} more while its prompt is prefilled before compression.
     * The books carry the run-long bytes of every lease plus room for the largest transient parts (one per prefilling lane)
     * among the leases not yet settled; a prefill starts only through {@link Lease#tryStartPrefill},
     * which lets several run at once only when their transient parts fit together. While waiting,
     * {@code cancelled} is polled (every 20 ms): a client that left gives its place up at once.
     */
    public Lease acquire(long bytes, long transientBytes, long deadlineNanos, java.util.function.BooleanSupplier cancelled) throws Refused {
        if (bytes + transientBytes > memoryLimit) {
            bytes += transientBytes; // the message names the peak
            throw new Refused(Reason.NEVER_FITS, "the request needs an estimated " + Quantities.describeBytes(bytes)
                    + " of KV cache, more than the server's --max-kv-memory limit of " + Quantities.describeBytes(memoryLimit), 0);
        }
        lock.lock();
        try {
            if (cancelled.getAsBoolean()) throw new Refused(Reason.CLIENT_GONE, "the client went away", 0);
            if (waiters.isEmpty() && fits(bytes, transientBytes)) return grant(bytes, transientBytes);
            if (waiters.size() >= queueCapacity) {
                throw new Refused(Reason.QUEUE_FULL, "the server is busy: " + (slotCount - freeSlots.size()) + " requests decoding and "
                        + waiters.size() + " waiting (queue limit " + queueCapacity + "); retry later", retryAfter());
            }
            Object me = new Object();
            waiters.addLast(me);
            boolean granted = false;
            try {
                while (waiters.peekFirst() != me || !fits(bytes, transientBytes)) {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) throw timedOut(bytes + transientBytes);
                    if (cancelled.getAsBoolean()) throw new Refused(Reason.CLIENT_GONE, "the client went away while queued", 0);
                    changed.awaitNanos(Math.min(left, CANCEL_POLL_NANOS));
                }
                granted = true;
                return grant(bytes, transientBytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Refused(Reason.TIMED_OUT, "the server is shutting down", retryAfter());
            } finally {
                waiters.remove(me);
                if (!granted || !waiters.isEmpty()) changed.signalAll(); // the next in line may fit now
            }
        } finally {
            lock.unlock();
        }
    }

    private static final long CANCEL_POLL_NANOS = 20_000_000L;

    private boolean fits(long bytes, long transientBytes) {
        return !freeSlots.isEmpty() && longBytes + bytes + transientReserve(transientBytes) <= memoryLimit;
    }

    private long transientReserve() {
        return transientReserve(0);
    }

    /**
     * Room kept for prompts prefilled before compression: the {@link #prefillers} largest
     * transient parts among the leases not yet settled and {@code candidate} (that many can
     * always be prefilled at once), or more while more are being prefilled.
     */
    private long transientReserve(long candidate) {
        long[] largest = new long[prefillers];
        offer(largest, candidate);
        for (Lease l : unsettled) offer(largest, l.transientBytes);
        long sum = 0;
        for (long b : largest) sum += b;
        return Math.max(sum, prefillingTransient());
    }

    /** Keeps {@code top} as the largest values offered so far, in descending order. */
    private static void offer(long[] top, long value) {
        for (int i = 0; i < top.length; i++) {
            if (value > top[i]) {
                System.arraycopy(top, i, top, i + 1, top.length - i - 1);
                top[i] = value;
                return;
            }
        }
    }

    private long prefillingTransient() {
        long sum = 0;
        for (Lease l : unsettled) if (l.prefilling) sum += l.transientBytes;
        return sum;
    }

    private Lease grant(long bytes, long transientBytes) {
        longBytes += bytes;
        Lease lease = new Lease(freeSlots.pop(), bytes, transientBytes);
        if (transientBytes > 0) unsettled.add(lease);
        return lease;
    }

    private Refused timedOut(long bytes) {
        String blocker = freeSlots.isEmpty()
                ? "all " + slotCount + " decode slots stayed busy"
                : "KV memory stayed full (" + Quantities.describeBytes(longBytes + transientReserve()) + " of " + Quantities.describeBytes(memoryLimit)
                  + " reserved, this request needs " + Quantities.describeBytes(bytes) + ")";
        return new Refused(Reason.TIMED_OUT, "the server is busy: " + blocker + " while the request waited; retry later", retryAfter());
    }

    private void release(Lease lease) {
        lock.lock();
        try {
            if (lease.closed) return;
            lease.closed = true;
            longBytes -= lease.bytes;
            unsettled.remove(lease);
            freeSlots.push(lease.slot);
            double held = (System.nanoTime() - lease.grantedAt) / 1e9;
            averageHoldSeconds = 0.8 * averageHoldSeconds + 0.2 * held;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Seconds a refused client should wait: roughly how long the queue ahead of it takes to drain. */
    private long retryAfter() {
        double perSlot = averageHoldSeconds * (waiters.size() + 1) / slotCount;
        return Math.max(1, Math.min(60, (long) Math.ceil(perSlot)));
    }

    /** Requests waiting for a slot or memory. */
    public int queueLength() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    /** Requests holding a slot. */
    public int active() {
        lock.lock();
        try {
            return slotCount - freeSlots.size();
        } finally {
            lock.unlock();
        }
    }

    /** KV bytes reserved by admitted requests: their run-long bytes plus the room kept for transient prefills. */
    public long reservedBytes() {
        lock.lock();
        try {
            return longBytes + transientReserve();
        } finally {
            lock.unlock();
        }
    }

    public long memoryLimit() { return memoryLimit; }

    public int slotCount() { return slotCount; }
}
