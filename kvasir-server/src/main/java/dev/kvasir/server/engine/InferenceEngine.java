package dev.kvasir.server.engine;

import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs jobs on a shared model with a fixed number of decode slots. Use in two steps so that a
 * refusal can still become an HTTP error before any response byte is sent:
 * <pre>{@code
 * try (InferenceEngine.Admitted run = engine.admit(job, queueDeadline)) {   // may throw Admission.Refused
 *     Outcome o = run.generate(onText, clientGone, deadline);
 * }
 * }</pre>
 * Requests do not share decode steps (no cross-request batching): each slot runs its own
 * forward passes on its share of the cores, reading the same memory-mapped weights.
 */
public final class InferenceEngine implements AutoCloseable {
    private final KvEstimator estimator;
    private final List<DecodeSlot> slots;
    private final Admission<DecodeSlot> admission;
    /** Caches of running requests, for the live KV-bytes gauge. */
    private final Set<KvCache> liveCaches = ConcurrentHashMap.newKeySet();

    public InferenceEngine(Model model, int parallel, int queue, long maxKvMemory, int threadsPerSlot, KvPrecision precision) {
        this.estimator = new KvEstimator(model.config(), precision);
        Generator.Options base = Generator.Options.defaults().withThreads(threadsPerSlot).withPrecision(precision);
        List<DecodeSlot> s = new ArrayList<>();
        for (int i = 0; i < parallel; i++) s.add(new DecodeSlot(model, base));
        this.slots = List.copyOf(s);
        this.admission = new Admission<>(slots, queue, maxKvMemory);
    }

    /** Waits (until {@code queueDeadlineNanos}) for a slot and KV memory; see {@link Admission#acquire}. */
    public Admitted admit(InferenceJob job, long queueDeadlineNanos) throws Admission.Refused {
        long bytes = estimator.peakBytes(job.prompt().length, job.maxTokens(), job.compression());
        return new Admitted(job, admission.acquire(bytes, queueDeadlineNanos));
    }

    /**
     * Waits for a slot and KV memory as {@link #admit} does, then inspects (one prefill, each method
     * on its own copy of the cache); answers stop early once {@code cancelled} answers true. Nothing
     * is streamed, so admission and run are one step.
     */
    public Inspection inspect(InspectionJob job, long queueDeadlineNanos, BooleanSupplier cancelled) throws Admission.Refused {
        long bytes = estimator.inspectionPeakBytes(job.prompt().length, job.maxTokens(), job.methods().size());
        try (Admission<DecodeSlot>.Lease lease = admission.acquire(bytes, queueDeadlineNanos)) {
            return KvInspector.run(lease.slot(), job, estimator.bytesPerToken(), cancelled);
        }
    }

    /** An admitted job; closing it gives back the slot and the reserved memory. */
    public final class Admitted implements AutoCloseable {
        private final InferenceJob job;
        private final Admission<DecodeSlot>.Lease lease;

        private Admitted(InferenceJob job, Admission<DecodeSlot>.Lease lease) {
            this.job = job;
            this.lease = lease;
        }

        /**
         * Generates, streaming text to {@code onText}. Stops early, between decode steps, once
         * {@code clientGone} answers true or the deadline passes.
         */
        public Outcome generate(Consumer<String> onText, BooleanSupplier clientGone, long deadlineNanos) {
            Generator gen = lease.slot().generatorFor(job.compression());
            AtomicReference<Outcome.Cause> cause = new AtomicReference<>(Outcome.Cause.FINISHED);
            gen.cancelWhen(() -> {
                if (clientGone.getAsBoolean()) cause.set(Outcome.Cause.DISCONNECT);
                else if (System.nanoTime() - deadlineNanos > 0) cause.set(Outcome.Cause.TIMEOUT);
                return cause.get() != Outcome.Cause.FINISHED;
            });
            // A full cache gets its final size up front; a compressed one starts at the prompt
            // and only grows by what is generated after compression.
            int prompt = job.prompt().length;
            // A quantised cache is prefilled in F16 and stored quantised before decoding, which then reserves the
            // reply's room in the quantised stores: its F16 cache holds the prompt alone.
            boolean promptOnly = job.compression().compresses() || gen.options().precision().quantized()
                    || gen.options().valuePrecision().quantized();
            KvCache cache = gen.newCache(promptOnly ? prompt : prompt + job.maxTokens() + 1);
            liveCaches.add(cache);
            try {
                GenerationResult r = gen.generate(job.toRequest(), cache, onText);
                long full = estimator.bytesPerToken() * r.promptTokens();
                long kept = r.kv() == null ? r.kvBytesHeld() : r.kv().allocatedBytesAfter();
                long keptLogical = r.kv() == null ? full : r.kv().bytesAfter();
                return new Outcome(r, cause.get(), full, kept, keptLogical, r.kvBytes(), cache.precisionLabel());
            } finally {
                liveCaches.remove(cache);
                gen.cancelWhen(() -> false);
            }
        }

        @Override
        public void close() {
            lease.close();
        }
    }

    /** Requests waiting for admission. */
    public int queueLength() { return admission.queueLength(); }

    /** Requests holding a decode slot. */
    public int activeDecodes() { return admission.active(); }

    /** KV bytes reserved by admitted requests (the admission accounting). */
    public long reservedKvBytes() { return admission.reservedBytes(); }

    /**
     * KV bytes the running requests' caches hold right now. Read without locking while decodes
     * append (a metrics snapshot, not an exact figure).
     */
    public long liveKvBytes() {
        long n = 0;
        for (KvCache c : liveCaches) n += c.usedBytes();
        return n;
    }

    public long maxKvMemory() { return admission.memoryLimit(); }

    public int parallel() { return admission.slotCount(); }

    @Override
    public void close() {
        slots.forEach(DecodeSlot::close);
    }
}
