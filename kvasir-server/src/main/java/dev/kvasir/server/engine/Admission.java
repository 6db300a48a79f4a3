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
        NEVER_FITS
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

    /** The right to decode: one slot and some reserved KV bytes, given back by {@link #close()}. */
    public final class Lease implements AutoCloseable {
        private final S slot;
        private final long bytes;
        private final long grantedAt = System.nanoTime();
        private boolean closed;

        private Lease(S slot, long bytes) {
            this.slot = slot;
            this.bytes = bytes;
        }

        public S slot() { return slot; }

        public long bytes() { return bytes; }

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
    private long reservedBytes;
    /** Moving average of how long a lease is held, for Retry-After. */
    private double averageHoldSeconds = 1;

    public Admission(Collection<S> slots, int queueCapacity, long memoryLimit) {
        if (slots.isEmpty()) throw new IllegalArgumentException("admission needs at least one slot");
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
        if (bytes > memoryLimit) {
            throw new Refused(Reason.NEVER_FITS, "the request needs an estimated " + Quantities.describeBytes(bytes)
                    + " of KV cache, more than the server's --max-kv-memory limit of " + Quantities.describeBytes(memoryLimit), 0);
        }
        lock.lock();
        try {
            if (waiters.isEmpty() && fits(bytes)) return grant(bytes);
            if (waiters.size() >= queueCapacity) {
                throw new Refused(Reason.QUEUE_FULL, "the server is busy: " + (slotCount - freeSlots.size()) + " requests decoding and "
                        + waiters.size() + " waiting (queue limit " + queueCapacity + "); retry later", retryAfter());
            }
            Object me = new Object();
            waiters.addLast(me);
            boolean granted = false;
            try {
                while (waiters.peekFirst() != me || !fits(bytes)) {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) throw timedOut(bytes);
                    changed.awaitNanos(left);
                }
                granted = true;
                return grant(bytes);
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

    private boolean fits(long bytes) {
        return !freeSlots.isEmpty() && reservedBytes + bytes <= memoryLimit;
    }

    private Lease grant(long bytes) {
        reservedBytes += bytes;
        return new Lease(freeSlots.pop(), bytes);
    }

    private Refused timedOut(long bytes) {
        String blocker = freeSlots.isEmpty()
                ? "all " + slotCount + " decode slots stayed busy"
                : "KV memory stayed full (" + Quantities.describeBytes(reservedBytes) + " of " + Quantities.describeBytes(memoryLimit)
                  + " reserved, this request needs " + Quantities.describeBytes(bytes) + ")";
        return new Refused(Reason.TIMED_OUT, "the server is busy: " + blocker + " while the request waited; retry later", retryAfter());
    }

    private void release(Lease lease) {
        lock.lock();
        try {
            if (lease.closed) return;
            lease.closed = true;
            reservedBytes -= lease.bytes;
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

    /** KV bytes reserved by admitted requests. */
    public long reservedBytes() {
        lock.lock();
        try {
            return reservedBytes;
        } finally {
            lock.unlock();
        }
    }

    public long memoryLimit() { return memoryLimit; }

    public int slotCount() { return slotCount; }
}
