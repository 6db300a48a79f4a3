package dev.kvasir.server.engine;

import static dev.kvasir.server.Quantities.describeBytes;

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
 * Runs jobs on a shared model. Use in two steps so that a refusal can still become an HTTP
 * error before any response byte is sent:
 * <pre>{@code
 * try (InferenceEngine.Admitted run = engine.admit(job, queueDeadline, clientGone)) {   // may throw Admission.Refused
 *     Outcome o = run.generate(onText, clientGone, deadline);
 * }
 * }</pre>
 * With batching (the default) every admitted request joins one of the {@link BatchScheduler}
 * lanes (one single-threaded lane per thread, the least loaded): decode steps are shared, and admission counts the KV bytes each sequence holds after its press plus
 * its reply (with one prompt's transient prefill), so compressed requests let more sequences
 * into the batch. Without it, each of the {@code parallel} slots runs its own forward passes
 * on its share of the cores and admission counts each request's peak.
 *
 * <p>With batching, finished conversations are kept in a {@link PromptCache} of its own memory
 * limit, apart from admission's: a request that continues one prefills only what is new.
 */
public final class InferenceEngine implements AutoCloseable {
    private final KvEstimator estimator;
    private final List<DecodeSlot> slots;
    private final Admission<DecodeSlot> admission;
    /** Caches of running requests, for the live KV-bytes gauge. */
    private final Set<KvCache> liveCaches = ConcurrentHashMap.newKeySet();

    /** The batch lanes (one per thread), or empty in slot-per-request mode. */
    private final List<BatchScheduler> lanes;
    /** Finished conversations kept for reuse (batching only; disabled otherwise). */
    private final PromptCache promptCache;

    /** Slot-per-request mode ({@code --batching off}): {@code parallel} slots of {@code threadsPerSlot} threads. */
    public InferenceEngine(Model model, int parallel, int queue, long maxKvMemory, int threadsPerSlot, KvPrecision precision) {
        this(model, false, parallel, queue, maxKvMemory, threadsPerSlot, precision);
    }

    /**
     * @param batching  continuous batching of up to {@code parallel} sequences on {@code threads} threads;
     *                  else {@code parallel} slots of {@code threads} threads each
     */
    public InferenceEngine(Model model, boolean batching, int parallel, int queue, long maxKvMemory, int threads, KvPrecision precision) {
        this(model, batching, parallel, queue, maxKvMemory, threads, precision, 0);
    }

    /**
     * As above, keeping up to {@code promptCacheMemory} bytes of finished conversations' caches for
     * requests that continue them (with batching, and for models without sliding-window layers; 0 keeps none).
     */
    public InferenceEngine(Model model, boolean batching, int parallel, int queue, long maxKvMemory, int threads, KvPrecision precision,
                           long promptCacheMemory) {
        // a sliding-window layer's ring cannot be rolled back past the reply that overwrote it: Gemma 3 keeps nothing
        boolean keepable = batching && model.config().sliding() == null;
        this.promptCache = new PromptCache(keepable ? promptCacheMemory : 0);
        checkMemoryLimit(maxKvMemory, promptCache.limitBytes());
        this.estimator = new KvEstimator(model.config(), precision);
        Generator.Options base = Generator.Options.defaults().withThreads(threads).withPrecision(precision);
        List<DecodeSlot> s = new ArrayList<>();
        for (int i = 0; i < parallel; i++) s.add(new DecodeSlot(model, base));
        this.slots = List.copyOf(s);
        int laneCount = batching ? Math.max(1, Math.min(threads, parallel)) : 1;
        this.admission = new Admission<>(slots, queue, maxKvMemory, laneCount);
        BatchScheduler.LiveCaches live = new BatchScheduler.LiveCaches() {
            @Override public void add(KvCache c) { liveCaches.add(c); }

            @Override public void remove(KvCache c) { liveCaches.remove(c); }
        };
        // One single-threaded lane per thread rather than one lane forking every product over all
        // threads: a decode step joins its threads ~150 times, and on a loaded machine each join
        // waits for a descheduled worker (measured at load average 22 on 2 cores: 8 clients got
        // 26 tokens/s from one 1-thread lane, 9 from one 2-thread lane).
        List<BatchScheduler> l = new ArrayList<>();
        if (batching) {
            for (int i = 0; i < laneCount; i++) {
                l.add(new BatchScheduler(model, i, parallel, 1, precision, live, promptCache));
            }
        }
        this.lanes = List.copyOf(l);
    }

    /**
     * The KV caches live on the Java heap, the prompt cache's too: limits the heap cannot hold
     * would fail requests with out-of-memory errors instead of queueing them. Checked against what
     * is free at start-up, less a margin for buffers and the server itself.
     */
    static void checkMemoryLimit(long maxKvMemory, long promptCacheMemory) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long need = maxKvMemory + promptCacheMemory;
        if (need < 0) need = Long.MAX_VALUE; // two huge limits
        if (need > free - margin(free)) {
            // garbage of earlier work (another server in the same JVM, a model load) counts as used until a collection
            System.gc();
            free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        }
        long margin = margin(free);
        if (need <= free - margin) return;
        boolean both = promptCacheMemory > 0;
        String asked = "--max-kv-memory " + describeBytes(maxKvMemory)
                + (both ? " plus --prompt-cache-memory " + describeBytes(promptCacheMemory) + " are" : " is");
        throw new IllegalArgumentException(asked + " more than this JVM can hold: its heap has " + describeBytes(free) + " free of "
                + describeBytes(rt.maxMemory()) + " and needs about " + describeBytes(margin) + " for everything else; lower "
                + (both ? "--max-kv-memory or --prompt-cache-memory" : "--max-kv-memory") + " or give Java a larger heap"
                + " (KVASIR_JAVA_OPTS=-Xmx...)");
    }

    /** Heap kept for everything but the caches: buffers, requests, the server itself. */
    private static long margin(long free) {
        return Math.min(512L << 20, free / 5);
    }

    public boolean batching() { return !lanes.isEmpty(); }

    /** Waits (until {@code queueDeadlineNanos}) for a slot and KV memory; see {@link Admission#acquire}. */
    public Admitted admit(InferenceJob job, long queueDeadlineNanos) throws Admission.Refused {
        return admit(job, queueDeadlineNanos, () -> false);
    }

    /**
     * As {@link #admit(InferenceJob, long)}; a request whose client goes away while it waits
     * ({@code clientGone}) leaves the queue at once (refused with {@link Admission.Reason#CLIENT_GONE}).
     */
    public Admitted admit(InferenceJob job, long queueDeadlineNanos, BooleanSupplier clientGone) throws Admission.Refused {
        int prompt = job.prompt().length;
        if (batching()) {
            long run = estimator.runBytes(prompt, job.maxTokens(), job.compression());
            long extra = estimator.transientBytes(prompt, job.maxTokens(), job.compression());
            return new Admitted(job, admission.acquire(run, extra, queueDeadlineNanos, clientGone));
        }
        long bytes = estimator.peakBytes(prompt, job.maxTokens(), job.compression());
        return new Admitted(job, admission.acquire(bytes, 0, queueDeadlineNanos, clientGone));
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
            if (batching()) return generateBatched(onText, clientGone, deadlineNanos);
            try {
                return generateInSlot(onText, clientGone, deadlineNanos);
            } catch (OutOfMemoryError e) {
                throw new OutOfKvMemory("the server ran out of memory while running the request; retry later or lower --max-kv-memory");
            }
        }

        /**
         * Hands the job to the scheduler and relays what it produces; checks the client between
         * events (every 20 ms at most) so that a departure stops the sequence at its next chunk or step.
         */
        private Outcome generateBatched(Consumer<String> onText, BooleanSupplier clientGone, long deadlineNanos) {
            Sequence seq = new Sequence(job, lease, deadlineNanos);
            BatchScheduler lane = lanes.getFirst();
            for (BatchScheduler b : lanes) if (b.assigned() < lane.assigned()) lane = b;
            lane.submit(seq);
            try {
                while (true) {
                    Sequence.Event e = seq.events.poll(20, java.util.concurrent.TimeUnit.MILLISECONDS);
                    if (seq.cancel == null && clientGone.getAsBoolean()) seq.cancel = Outcome.Cause.DISCONNECT;
                    if (e == null) continue;
                    switch (e) {
                        case Sequence.Text t -> onText.accept(t.text());
                        case Sequence.Done d -> { return d.outcome(); }
                        case Sequence.Failed f -> throw f.error();
                    }
                }
            } catch (InterruptedException ie) {
                seq.cancel = Outcome.Cause.DISCONNECT;
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while generating", ie);
            }
        }

        private Outcome generateInSlot(Consumer<String> onText, BooleanSupplier clientGone, long deadlineNanos) {
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
                return new Outcome(r, cause.get(), full, kept, keptLogical, r.kvBytes(), cache.precisionLabel(), 0);
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

    /** Requests holding a decode slot (batching: admitted to the batch, prefilling or decoding). */
    public int activeDecodes() { return admission.active(); }

    /** Prompt tokens the batch scheduler has prefilled since start (0 without batching). */
    public long prefilledTokens() {
        long n = 0;
        for (BatchScheduler b : lanes) n += b.prefilledTokens();
        return n;
    }

    /** Sequences decoding together in the batch now (0 without batching). */
    public int batchDecoding() {
        int n = 0;
        for (BatchScheduler b : lanes) n += b.decoding();
        return n;
    }

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

    /** Bytes the prompt cache may hold (0: conversations are not kept, e.g. without batching). */
    public long promptCacheLimitBytes() { return promptCache.limitBytes(); }

    /** Bytes the kept conversations' caches hold now (allocated). */
    public long promptCacheBytes() { return promptCache.bytes(); }

    /** Conversations kept now. */
    public int promptCacheEntries() { return promptCache.entries(); }

    /** Requests that continued a kept conversation, since start. */
    public long promptCacheHits() { return promptCache.hits(); }

    /** Requests that looked for a kept conversation and found none they could continue, since start. */
    public long promptCacheMisses() { return promptCache.misses(); }

    /** Prompt tokens taken from kept conversations instead of prefilled, since start. */
    public long promptCacheTokens() { return promptCache.cachedTokens(); }

    /** Kept conversations evicted to make room for newer ones, since start. */
    public long promptCacheEvictions() { return promptCache.evictions(); }

    public int parallel() { return admission.slotCount(); }

    @Override
    public void close() {
        lanes.forEach(BatchScheduler::close);
        slots.forEach(DecodeSlot::close);
    }
}
