package dev.kvasir.server.engine;

import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.AttentionRecorder;
import dev.kvasir.core.model.BatchDecodeState;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.model.LlamaModel;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.model.ModelConfig;
import dev.kvasir.core.press.DecodePress;
import dev.kvasir.core.press.StatsRequest;
import dev.kvasir.core.util.Parallel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous batching, one lane: one thread steps every sequence of the lane together. Each step
 * <ol>
 *   <li>drops the sequences whose client left or whose time ran out (their memory goes back at once),</li>
 *   <li>advances every decoding sequence by one token in a single {@link LlamaModel#decodeBatch}
 *       (the weights read once for the batch, attention per sequence over its own cache,
 *       sampling per sequence with its own parameters and seed),</li>
 *   <li>spends the rest of the step's token budget on prefill chunks of the oldest waiting
 *       prompt (at least one chunk), so a long prompt is read in slices between decode steps
 *       and streaming clients keep receiving tokens meanwhile.</li>
 * </ol>
 * Sequences join after their prefill and compression, and leave when done, at step
 * boundaries. A lane prefills its prompts one at a time, in chunks of fixed length: the
 * chunking, and so the arithmetic, of a sequence never depends on the others. A prefill starts
 * only when the admission books have room for its transient full cache beside those of other
 * lanes ({@link Admission.Lease#tryStartPrefill}).
 * Sequences with a decode-time press (H2O, TOVA, StreamingLLM) step alone after the batch,
 * as they need their attention rows.
 *
 * <p>A prompt that continues a kept conversation ({@link PromptCache}) starts from a copy of its
 * cache and prefills only the rest, in chunks that end where a fresh prefill's end
 * ({@link PrefixReuse}); a sequence that finishes leaves its cache to the prompt cache.
 */
final class BatchScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchScheduler.class);
    /** Prompt tokens per prefill chunk: between two chunks the scheduler checks for cancellation and decodes. */
    static final int PREFILL_CHUNK = 256;
    /** Tokens per step (decode tokens plus prefill chunks), vLLM's max_num_batched_tokens. */
    static final int STEP_TOKENS = 512;

    private final Model model;
    private final LlamaModel llama;
    private final ModelConfig config;
    private final KvPrecision precision;
    private final Parallel par;
    private final BatchDecodeState batch;
    private final InferenceState prefillState;
    private final int vocab;
    private final ConcurrentLinkedQueue<Sequence> incoming = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Sequence> prefillQueue = new ArrayDeque<>();
    private final List<Sequence> decoding = new ArrayList<>();
    private final Sequence[] stepSequences;
    private final int[] stepTokens;
    private final KvCache[] stepCaches;
    private final Thread thread;
    private final LiveCaches live;
    private final PromptCache promptCache;
    private volatile boolean closed;
    /** The loop has ended; guarded by {@link #incoming}'s monitor, as the hand-over of new sequences is. */
    private boolean stopped;
    private volatile int decodingCount;
    private final java.util.concurrent.atomic.AtomicInteger assigned = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong prefilledTokens = new java.util.concurrent.atomic.AtomicLong();

    /** The caches of running sequences, for the KV-bytes gauge. */
    interface LiveCaches {
        void add(KvCache c);

        void remove(KvCache c);
    }

    BatchScheduler(Model model, int lane, int maxSequences, int threads, KvPrecision precision, LiveCaches live, PromptCache promptCache) {
        this.model = model;
        this.promptCache = promptCache;
        this.llama = model.llama();
        this.config = model.config();
        this.precision = precision;
        this.live = live;
        this.par = new Parallel(threads);
        this.batch = new BatchDecodeState(config, maxSequences, threads);
        this.prefillState = llama.newState(PREFILL_CHUNK);
        this.vocab = config.vocabularySize();
        this.stepSequences = new Sequence[maxSequences];
        this.stepTokens = new int[maxSequences];
        this.stepCaches = new KvCache[maxSequences];
        this.thread = Thread.ofPlatform().name("kvasir-batch-" + lane).daemon().start(this::loop);
    }

    void submit(Sequence s) {
        assigned.incrementAndGet();
        synchronized (incoming) {
            // a sequence handed over after the loop has ended would wait for events forever
            if (stopped) {
                fail(s, stopped());
                return;
            }
            incoming.add(s);
        }
        LockSupport.unpark(thread);
    }

    /** Sequences given to this lane and not yet ended (for choosing the least loaded lane). */
    int assigned() { return assigned.get(); }

    /** Prompt tokens prefilled since start (chunks run). */
    long prefilledTokens() { return prefilledTokens.get(); }

    /** Sequences in the decode batch now. */
    int decoding() { return decodingCount; }

    private void loop() {
        while (!closed) {
            for (Sequence s; (s = incoming.poll()) != null; ) prefillQueue.add(s);
            dropStopped();
            if (prefillQueue.isEmpty() && decoding.isEmpty()) {
                LockSupport.parkNanos(50_000_000L);
                continue;
            }
            if (!decoding.isEmpty()) decodeStep();
            int budget = STEP_TOKENS - decoding.size();
            boolean first = true;
            while (!prefillQueue.isEmpty() && (first || budget >= PREFILL_CHUNK)) {
                Sequence p = prefillQueue.peekFirst();
                Outcome.Cause stop = p.stopCause();
                if (stop != null) {
                    prefillQueue.pollFirst();
                    end(p, "cancelled", stop);
                    continue;
                }
                if (p.cache == null && !p.lease.tryStartPrefill()) {
                    // another lane's prefill holds the memory this one's would need: decode meanwhile
                    if (decoding.isEmpty()) LockSupport.parkNanos(2_000_000L);
                    break;
                }
                budget -= prefillChunk(p);
                first = false;
            }
            decodingCount = decoding.size();
        }
        // Only close() gets here. A server shutdown closes the engine after its drain: the
        // sequences still here outlived the drain time and the grace given to them once it ended.
        synchronized (incoming) {
            stopped = true;
        }
        if (!decoding.isEmpty() || !prefillQueue.isEmpty() || !incoming.isEmpty()) {
            log.warn("the engine stops with {} sequence(s) still running", decoding.size() + prefillQueue.size() + incoming.size());
        }
        for (Sequence s : prefillQueue) fail(s, stopped());
        for (Sequence s : decoding) fail(s, stopped());
        for (Sequence s; (s = incoming.poll()) != null; ) fail(s, stopped());
        prefillQueue.clear();
        decoding.clear();
    }

    private static EngineStopped stopped() {
        return new EngineStopped("the server is shutting down: the generation was ended");
    }

    private void dropStopped() {
        for (int i = decoding.size() - 1; i >= 0; i--) {
            Sequence s = decoding.get(i);
            Outcome.Cause stop = s.stopCause();
            if (stop != null) {
                decoding.remove(i);
                end(s, "cancelled", stop);
            }
        }
        prefillQueue.removeIf(s -> {
            Outcome.Cause stop = s.stopCause();
            if (stop != null) end(s, "cancelled", stop);
            return stop != null;
        });
    }

    /** Runs one prefill chunk of {@code s}; returns its length. Finishes the prefill after the last one. */
    private int prefillChunk(Sequence s) {
        try {
            if (s.cache == null) startPrefill(s);
            int[] prompt = s.request.prompt();
            int n = PrefixReuse.chunkEnd(s.prefilled, prompt.length) - s.prefilled;
            AttentionRecorder rec = s.recorder == null ? null : s.recorder.offset(s.prefilled);
            llama.forward(prompt, s.prefilled, n, s.cache, prefillState, par, rec, false);
            s.prefilled += n;
            prefilledTokens.addAndGet(n);
            if (s.prefilled == prompt.length) {
                prefillQueue.pollFirst();
                finishPrefill(s);
            }
            return n;
        } catch (OutOfMemoryError e) {
            prefillQueue.remove(s);
            fail(s, outOfMemory(s));
            return PREFILL_CHUNK;
        } catch (RuntimeException e) {
            prefillQueue.remove(s);
            log.error("prefill failed", e);
            fail(s, e);
            return PREFILL_CHUNK;
        }
    }

    private void startPrefill(Sequence s) {
        int[] prompt = s.request.prompt();
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: nothing to generate from");
        if (prompt.length > config.contextLength()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, more than the model's context window of "
                    + config.contextLength() + " tokens");
        }
        CompressionSpec c = s.job.compression();
        s.press = c.newPress();
        PromptCache.Reuse reuse = s.job.cachePrompt() ? promptCache.find(c, prompt) : null;
        if (reuse != null) {
            // the conversation's kept history, at the server's precision; its press does not run again
            int rest = prompt.length - reuse.tokens();
            s.cache = reuse.copy(c.compresses() ? rest : rest + s.request.maxTokens());
            s.prefilled = s.cachedTokens = reuse.tokens();
            s.compressedTokens = reuse.compressedTokens();
        } else {
            // a full cache gets its final size up front; a compressed one holds the prompt, then the kept slots and the reply
            // prefilled (and compressed) in the staging precision; finishPrefill stores the kept slots at the server's precision
            s.cache = llama.newCache(precision.staging(), Math.max(16, c.compresses() ? prompt.length : prompt.length + s.request.maxTokens()));
            s.compressedTokens = c.compresses() ? prompt.length : 0;
            if (s.press != null) {
                StatsRequest need = s.press.statsRequest(config.layers(), config.heads(), config.kvHeads(), prompt.length);
                if (need.any()) s.recorder = new AttentionRecorder(need, config.layers(), config.heads(), config.kvHeads(), 0, prompt.length);
            }
        }
        live.add(s.cache);
        s.prefillStartNanos = System.nanoTime();
    }

    private void finishPrefill(Sequence s) {
        s.logits = prefillState.logits().clone();
        if (s.press != null && s.cachedTokens > 0) {
            s.report = ReusedCompression.report(s.job.compression(), s.press, s.cache, s.request.prompt().length, s.cachedTokens,
                    s.compressedTokens);
        } else if (s.press != null) {
            AttentionRecorder rec = s.recorder;
            s.report = s.press.compressOrSkip(s.cache, layer -> rec == null ? null : rec.stats(layer), s.job.compression().budget());
        }
        s.recorder = null; // the statistics are large; the press is done with them
        if (s.cache.precision() != precision) {
            // a quantised cache is quantised once, after selection and merging ran on the prefill's F16 slots
            s.cache.storeAs(precision, precision);
            if (s.report != null) s.report = s.report.stored(s.cache);
        }
        s.prefillMs = (System.nanoTime() - s.prefillStartNanos) / 1e6;
        boolean skipped = s.report != null && s.report.skipped() != null;
        DecodePress dp = skipped || s.press == null ? null : s.press.decode().orElse(null);
        int context = config.contextLength();
        if (dp == null) {
            s.cache.reserve(Math.max(0, Math.min(s.request.maxTokens(), context - s.cache.nextPosition())));
        } else {
            // not reset: compression seeded it (its capacity for decode-max-tokens=auto, H2O's scores)
            s.decodePress = dp;
            s.state = llama.newState(1);
            s.state.recordDecodeAttention(true);
        }
        long held = kvCapacityBytes(s.cache);
        if (held > s.lease.ceiling()) {
            log.warn("a sequence holds {} KV bytes, more than the {} it reserved", held, s.lease.ceiling());
        }
        s.lease.settle(held);
        s.heldAtDecode = s.cache.allocatedBytes();
        s.startDecoding(vocab);
        String finish = s.accept(s.logits, model.tokenizer(), context);
        if (finish != null) end(s, finish, Outcome.Cause.FINISHED);
        else decoding.add(s);
    }

    /** Bytes of key and value storage the cache has allocated (the quantity admission counts). */
    static long kvCapacityBytes(KvCache cache) {
        long slots = 0;
        for (int l = 0; l < cache.layers(); l++) for (HeadCache h : cache.layer(l)) slots += h.keys().capacity();
        return slots * (cache.keyPrecision().bytesPerVector(cache.headDim()) + cache.valuePrecision().bytesPerVector(cache.headDim()));
    }

    /**
     * A sequence whose decode-time press needs its attention rows, or any sequence of a model
     * the batched step does not cover (Gemma 3's sliding-window layers), steps alone.
     */
    private boolean stepsAlone(Sequence s) {
        return s.decodePress != null || !llama.batchesDecode();
    }

    private void decodeStep() {
        int context = config.contextLength();
        int m = 0;
        for (Sequence s : decoding) {
            if (stepsAlone(s)) continue;
            stepSequences[m] = s;
            stepTokens[m] = s.pending;
            stepCaches[m] = s.cache;
            m++;
        }
        try {
            if (m > 0) {
                llama.decodeBatch(stepTokens, stepCaches, m, batch, par);
                for (int i = 0; i < m; i++) {
                    Sequence s = stepSequences[i];
                    System.arraycopy(batch.logits(), batch.logitsOffset(i), s.logits, 0, vocab);
                    s.steps++;
                    String finish = s.accept(s.logits, model.tokenizer(), context);
                    if (finish != null) {
                        decoding.remove(s);
                        end(s, finish, Outcome.Cause.FINISHED);
                    }
                }
            }
            for (int i = decoding.size() - 1; i >= 0; i--) {
                Sequence s = decoding.get(i);
                if (!stepsAlone(s)) continue;
                llama.forward(s.history, s.historyLength - 1, 1, s.cache, s.state, par, null, false);
                s.steps++;
                InferenceState st = s.state;
                if (s.decodePress != null) s.decodePress.afterDecodeStep(s.cache, st::lastAttentionRows);
                String finish = s.accept(st.logits(), model.tokenizer(), context);
                if (finish != null) {
                    decoding.remove(i);
                    end(s, finish, Outcome.Cause.FINISHED);
                }
            }
        } catch (OutOfMemoryError e) {
            for (Sequence s : List.copyOf(decoding)) fail(s, outOfMemory(s));
            decoding.clear();
        } catch (RuntimeException e) {
            log.error("decode step failed", e);
            for (Sequence s : List.copyOf(decoding)) fail(s, e);
            decoding.clear();
        } finally {
            java.util.Arrays.fill(stepCaches, 0, m, null);
            java.util.Arrays.fill(stepSequences, 0, m, null);
        }
    }

    private OutOfKvMemory outOfMemory(Sequence s) {
        return new OutOfKvMemory("the server ran out of memory while running the request (KV cache of " + s.request.totalPromptTokens()
                + " prompt tokens); retry later or lower --max-kv-memory");
    }

    /** Ends a sequence: the outcome to its thread, its cache and reservation released. */
    private void end(Sequence s, String finish, Outcome.Cause cause) {
        if (s.finished) return;
        s.finished = true;
        Sequence.Event last;
        try {
            GenerationResult r = s.result(finish);
            long bpt = config.kvBytesPerToken(precision, precision);
            long full = bpt * r.promptTokens();
            long kept = r.kv() == null ? r.kvBytesHeld() : r.kv().allocatedBytesAfter();
            long keptLogical = r.kv() == null ? full : r.kv().bytesAfter();
            last = new Sequence.Done(new Outcome(r, cause, full, kept, keptLogical, r.kvBytes(), s.cache.precisionLabel(), s.cachedTokens));
            if (cause == Outcome.Cause.FINISHED) keep(s);
        } catch (RuntimeException e) {
            last = new Sequence.Failed(e);
        }
        release(s); // before the request's thread learns it is done: its memory is free by then
        s.events.add(last);
    }

    /**
     * Leaves the cache of a finished sequence to the prompt cache, for a later request that
     * continues the conversation; before the request's thread learns it is done, so that its
     * client's next turn finds it. Not a cache whose press skipped a short prompt: continuing it
     * would keep the conversation uncompressed for good, while prefilled again it is compressed
     * once it is long enough.
     */
    private void keep(Sequence s) {
        boolean skipped = s.report != null && s.report.skipped() != null;
        if (!s.job.cachePrompt() || skipped || !promptCache.enabled()) return;
        KvCache cache = s.cache;
        live.remove(cache); // the prompt cache's bytes are counted apart from the running requests'
        s.cache = null;
        try {
            promptCache.keep(s.job.compression(), s.history, s.request.prompt().length, cache, s.compressedTokens);
        } catch (RuntimeException | OutOfMemoryError e) {
            // the answer is complete: a cache that could not be kept only costs the next turn a prefill
            log.warn("could not keep a finished conversation's cache: {}", e.toString());
        }
    }

    private void fail(Sequence s, RuntimeException e) {
        if (s.finished) return;
        s.finished = true;
        release(s);
        s.events.add(new Sequence.Failed(e));
    }

    private void release(Sequence s) {
        assigned.decrementAndGet();
        if (s.cache != null) live.remove(s.cache);
        s.cache = null;
        s.recorder = null;
        s.state = null;
        s.lease.close();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        par.close();
    }
}
