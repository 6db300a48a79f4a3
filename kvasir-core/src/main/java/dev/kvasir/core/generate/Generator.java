package dev.kvasir.core.generate;

import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.AttentionRecorder;
import dev.kvasir.core.model.BatchDecodeState;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.model.LlamaModel;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.press.DecodePress;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.StatsRequest;
import dev.kvasir.core.util.Parallel;

import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntConsumer;

/**
 * Runs generation on a {@link Model}: prefill (gathering the attention statistics the press
 * needs), compression of the prompt's KV cache, then token-by-token decode with sampling, stop
 * tokens and strings, and UTF-8-safe streaming of the text.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"));
 *      Generator gen = new Generator(model, Generator.Options.defaults())) {
 *     int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
 *     GenerationResult r = gen.generate(GenerationRequest.of(prompt, 64, SamplingParams.greedy()),
 *                                       System.out::print);
 * }
 * }</pre>
 */
public final class Generator implements AutoCloseable {
    /**
     * @param threads        worker threads
     * @param precision      KV storage precision of the keys (and of the values, unless
     *                       {@code valuePrecision} differs). A quantised cache is prefilled and
     *                       compressed in its {@link KvPrecision#staging()} precision, then stored
     *                       quantised once ({@link #compress}).
     * @param valuePrecision KV storage precision of the values
     * @param batch       prefill chunk size
     * @param press       prompt compression, or null for the full cache
     * @param budget      the press's budget (ignored without a press)
     * @param decodePress compression while generating, or null
     */
    public record Options(int threads, KvPrecision precision, KvPrecision valuePrecision, int batch, Press press, Budget budget,
                          DecodePress decodePress) {
        public static Options defaults() {
            return new Options(Parallel.defaultThreads(), KvPrecision.DEFAULT, KvPrecision.DEFAULT, 128, null, null, null);
        }

        public Options withThreads(int t) { return new Options(t, precision, valuePrecision, batch, press, budget, decodePress); }

        /** Keys and values both at {@code p}. */
        public Options withPrecision(KvPrecision p) { return new Options(threads, p, p, batch, press, budget, decodePress); }

        public Options withPrecisions(KvPrecision keys, KvPrecision values) {
            return new Options(threads, keys, values, batch, press, budget, decodePress);
        }

        public Options withPress(Press p, Budget b) { return new Options(threads, precision, valuePrecision, batch, p, b, decodePress); }

        public Options withDecodePress(DecodePress d) { return new Options(threads, precision, valuePrecision, batch, press, budget, d); }

        /** "q8", or "k=q8,v=f16" when keys and values differ. */
        public String precisionLabel() { return KvCache.label(precision, valuePrecision); }
    }

    private final Model model;
    private final LlamaModel llama;
    private final Options options;
    private final Parallel par;
    private final InferenceState state;
    private IntConsumer prefillProgress = t -> {};
    private BooleanSupplier cancelled = () -> false;

    public Generator(Model model, Options options) {
        this.model = model;
        this.llama = model.llama();
        this.options = options;
        this.par = new Parallel(options.threads());
        this.state = llama.newState(options.batch());
    }

    public Model model() { return model; }

    public Options options() { return options; }

    /** Called with the number of prompt tokens processed so far during long prefills. */
    public Generator onPrefillProgress(IntConsumer progress) {
        this.prefillProgress = progress;
        return this;
    }

    /** Polled between decode steps; when it answers true generation stops with reason "cancelled". */
    public Generator cancelWhen(BooleanSupplier cancelled) {
        this.cancelled = cancelled;
        return this;
    }

    /** A fresh cache sized for the request, in the staging precision of the options' (see {@link Options#precision}). */
    public KvCache newCache(int expectedTokens) {
        return newCache(expectedTokens, options.precision().staging(), options.valuePrecision().staging());
    }

    /** A fresh cache sized for the request, keys and values at the given precisions. */
    public KvCache newCache(int expectedTokens, KvPrecision keys, KvPrecision values) {
        return llama.newCache(keys, values, Math.max(16, expectedTokens));
    }

    public GenerationResult generate(GenerationRequest request, Consumer<String> onText) {
        // a quantised cache is prefilled in F16 for the prompt alone; the reply's room is reserved once it is quantised
        boolean quantised = options.precision().quantized() || options.valuePrecision().quantized();
        return generate(request, newCache(request.totalPromptTokens() + (quantised ? 0 : request.maxTokens())), onText);
    }

    /**
     * Generates with an existing cache (multi-turn chat): the prompt is appended to whatever the
     * cache already holds. Prompt compression applies to a freshly prefilled cache only; later
     * turns append to the already compressed cache, which decode-time presses keep in budget.
     */
    public GenerationResult generate(GenerationRequest request, KvCache cache, Consumer<String> onText) {
        boolean fresh = cache.layer(0)[0].size() == 0;
        Press press = fresh ? options.press() : null;
        StatsRequest need = press == null ? StatsRequest.NONE
                : press.statsRequest(model.config().layers(), model.config().heads(), model.config().kvHeads(),
                request.prompt().length);
        Prefilled p = prefill(request.prompt(), cache, need);
        return continueFrom(p, false, press, options.budget(), request, onText);
    }

    /**
     * A prefilled prompt: its cache, the attention statistics gathered on the way, and the logits
     * of its last token. Compress and decode from it with {@link #continueFrom}, as many times as
     * wanted when copying the cache.
     */
    public record Prefilled(KvCache cache, AttentionRecorder recorder, float[] logits, int promptTokens, double prefillMs) {}

    /**
     * Prefills {@code prompt} into {@code cache}, gathering the statistics {@code stats} asks for.
     */
    public Prefilled prefill(int[] prompt, KvCache cache, StatsRequest stats) {
        int context = model.config().contextLength();
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: nothing to generate from");
        if (cache.nextPosition() + prompt.length > context) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens"
                    + (cache.nextPosition() > 0 ? " after " + cache.nextPosition() + " already in the cache" : "")
                    + ", more than the model's context window of " + context + " tokens");
        }
        int startSlots = cache.layer(0)[0].size();
        AttentionRecorder recorder = stats != null && stats.any()
                ? new AttentionRecorder(stats, model.config().layers(), model.config().heads(), model.config().kvHeads(), startSlots,
                prompt.length)
                : null;
        long t0 = System.nanoTime();
        prefillChunks(prompt, cache, recorder);
        return new Prefilled(cache, recorder, state.logits().clone(), prompt.length, (System.nanoTime() - t0) / 1e6);
    }

    /**
     * Prefills a fresh cache for {@code prompt}, gathering statistics for every press in
     * {@code presses}; {@code tokensToFollow} sizes the cache for what comes after (question, answer).
     */
    public Prefilled prefillFor(int[] prompt, int tokensToFollow, Press... presses) {
        StatsRequest need = StatsRequest.NONE;
        for (Press p : presses) {
            if (p != null) need = need.union(p.statsRequest(model.config().layers(), model.config().heads(), model.config().kvHeads(),
                    prompt.length));
        }
        return prefill(prompt, newCache(prompt.length + tokensToFollow), need);
    }

    /**
     * As {@link #prefillFor(int[], int, Press...)}, into a cache of the given precision (the
     * fidelity task prefills in F32: its reference is the F32 full cache).
     */
    public Prefilled prefillFor(int[] prompt, int tokensToFollow, KvPrecision precision, Press... presses) {
        StatsRequest need = StatsRequest.NONE;
        for (Press p : presses) {
            if (p != null) need = need.union(p.statsRequest(model.config().layers(), model.config().heads(), model.config().kvHeads(),
                    prompt.length));
        }
        return prefill(prompt, newCache(prompt.length + tokensToFollow, precision, precision), need);
    }

    /**
     * Compresses the prefilled cache (a copy of it when {@code copyCache}, so the same prefill
     * serves several methods and budgets), appends {@code request.afterCompression()}, and
     * decodes. The result equals running the whole request alone.
     */
    public GenerationResult continueFrom(Prefilled prefilled, boolean copyCache, Press press, Budget budget,
                                         GenerationRequest request, Consumer<String> onText) {
        return decodeAlone(prepare(prefilled, copyCache, press, budget, request), request, onText);
    }

    /**
     * As {@link #continueFrom} for every (press, budget) of {@code presses} and {@code budgets}
     * (null press: the full cache), each on its own copy of the prefilled cache (the last takes
     * the original), with their decode steps batched: each step reads the weights once for every
     * sequence still decoding ({@link LlamaModel#decodeBatch}), which makes many configurations
     * of one prompt several times cheaper than decoding them one after another. Sequences with a
     * decode-time press, and every sequence of a model the batched step does not cover, decode
     * alone afterwards. A sequence's tokens do not depend on which others share its steps; they
     * equal {@link #continueFrom}'s up to float rounding (the batched step orders its sums as the
     * prefill GEMM does), so a greedy choice between two near-equal logits can differ. A batched
     * result's decode time is its share of the steps it took part in (each step's wall time
     * divided by the sequences in it): the cost of its tokens, comparable with a lone decode's.
     */
    public List<GenerationResult> continueAll(Prefilled prefilled, List<Press> presses, List<Budget> budgets,
                                                        GenerationRequest request) {
        int n = presses.size();
        if (budgets.size() != n) throw new IllegalArgumentException(n + " presses but " + budgets.size() + " budgets");
        Continuation[] prepared = new Continuation[n];
        for (int i = 0; i < n; i++) prepared[i] = prepare(prefilled, i < n - 1, presses.get(i), budgets.get(i), request);
        GenerationResult[] out = new GenerationResult[n];
        int[] batched = new int[n];
        int together = 0;
        for (int i = 0; i < n; i++) if (llama.batchesDecode() && prepared[i].decodePress() == null) batched[together++] = i;
        decodeBatched(prepared, Arrays.copyOf(batched, together), request, out);
        for (int i = 0; i < n; i++) if (out[i] == null) out[i] = decodeAlone(prepared[i], request, t -> {});
        return List.of(out);
    }

    /** A compressed cache ready to decode: the question appended, room reserved, the first logits. */
    private record Continuation(KvCache cache, CompressionReport report, float[] logits, double prefillMs, DecodePress decodePress) {}

    private Continuation prepare(Prefilled prefilled, boolean copyCache, Press press, Budget budget, GenerationRequest request) {
        Compressed compressed = compress(prefilled, copyCache, press, budget);
        KvCache cache = compressed.cache();
        CompressionReport report = compressed.report();
        int context = model.config().contextLength();
        System.arraycopy(prefilled.logits(), 0, state.logits(), 0, prefilled.logits().length);
        long t2 = System.nanoTime();
        if (request.afterCompression().length > 0) {
            if (cache.nextPosition() + request.afterCompression().length > context) {
                throw new IllegalArgumentException("the prompt and question have " + (cache.nextPosition() + request.afterCompression().length)
                        + " tokens, more than the model's context window of " + context + " tokens");
            }
            prefillChunks(request.afterCompression(), cache, null);
        }
        long t3 = System.nanoTime();
        double prefillMs = prefilled.prefillMs() + (t3 - t2) / 1e6;

        // a prompt too short to compress keeps its whole cache, and generation runs as with the full cache
        boolean skipped = report != null && report.skipped() != null;
        Press decodeSource = skipped ? null : press != null ? press : options.press();
        DecodePress decodePress = options.decodePress() != null ? options.decodePress()
                : decodeSource != null ? decodeSource.decode().orElse(null) : null;
        // Room for the whole reply, as a fresh cache is sized: a compressed cache keeps only a little
        // headroom. A decode press holds the cache within its budget instead, so it needs none.
        if (decodePress == null) cache.reserve(Math.max(0, Math.min(request.maxTokens(), context - cache.nextPosition())));
        return new Continuation(cache, report, state.logits().clone(), prefillMs, decodePress);
    }

    private GenerationResult decodeAlone(Continuation c, GenerationRequest request, Consumer<String> onText) {
        KvCache cache = c.cache();
        DecodePress decodePress = c.decodePress();
        int context = model.config().contextLength();
        state.recordDecodeAttention(decodePress != null);
        // a prompt press's decode rule was reset and seeded by its compression (capacity, H2O's scores): resetting it
        // here would switch "decode-max-tokens=auto" off; a stand-alone decode press starts afresh for each request
        if (decodePress != null && decodePress == options.decodePress()) decodePress.reset();
        // decode-time presses, like prompt presses, act on the layers that hold the whole context
        KvCache pressed = decodePress != null ? cache.compressibleView() : cache;
        IntFunction<float[][]> rowsOfLayer = layer -> state.lastAttentionRows(pressed.modelLayer(layer));
        DecodeCursor cursor = new DecodeCursor(request, model.tokenizer(), onText);
        float[] logits = c.logits();
        int steps = 0;
        long heldAtDecode = cache.allocatedBytes();
        long decodeStart = System.nanoTime();
        while (cursor.wantsMore()) {
            if (cancelled.getAsBoolean()) {
                cursor.cancel();
                break;
            }
            int next = cursor.advance(logits, cache.nextPosition() >= context);
            if (next < 0) break;
            llama.forward(cursor.history(), cursor.historyLength() - 1, 1, cache, state, par, null, false); // the token just appended
            logits = state.logits();
            steps++;
            if (decodePress != null) decodePress.afterDecodeStep(pressed, rowsOfLayer);
        }
        cursor.finish();
        long decodeEnd = System.nanoTime();
        return new GenerationResult(cursor.text(), cursor.tokens(), request.totalPromptTokens(),
                c.prefillMs(), (decodeEnd - decodeStart) / 1e6, steps, cursor.finishReason(),
                c.report(), cache.usedBytes(), heldAtDecode);
    }

    /** Decodes {@code prepared[which[..]]} together, one batched step per token, into {@code out}. */
    private void decodeBatched(Continuation[] prepared, int[] which, GenerationRequest request, GenerationResult[] out) {
        int m = which.length;
        if (m == 0) return;
        int context = model.config().contextLength();
        int vocab = model.config().vocabularySize();
        BatchDecodeState batch = new BatchDecodeState(model.config(), m, options.threads());
        DecodeCursor[] cursors = new DecodeCursor[m];
        long[] held = new long[m];
        double[] shareNanos = new double[m];
        int[] steps = new int[m];
        for (int j = 0; j < m; j++) {
            cursors[j] = new DecodeCursor(request, model.tokenizer(), t -> {});
            held[j] = prepared[which[j]].cache().allocatedBytes();
        }
        int[] tokens = new int[m];
        KvCache[] caches = new KvCache[m];
        int[] member = new int[m];
        while (true) {
            long stepStart = System.nanoTime();
            int k = 0;
            boolean cancel = cancelled.getAsBoolean();
            for (int j = 0; j < m; j++) {
                if (!cursors[j].wantsMore()) continue;
                KvCache cache = prepared[which[j]].cache();
                int next = -1;
                if (cancel) cursors[j].cancel();
                else next = cursors[j].advance(prepared[which[j]].logits(), cache.nextPosition() >= context);
                if (next < 0) continue;
                tokens[k] = next;
                caches[k] = cache;
                member[k++] = j;
            }
            if (k == 0) break;
            llama.decodeBatch(tokens, caches, k, batch, par);
            for (int q = 0; q < k; q++) {
                System.arraycopy(batch.logits(), batch.logitsOffset(q), prepared[which[member[q]]].logits(), 0, vocab);
                steps[member[q]]++;
            }
            double share = (double) (System.nanoTime() - stepStart) / k;
            for (int q = 0; q < k; q++) shareNanos[member[q]] += share;
        }
        for (int j = 0; j < m; j++) {
            Continuation c = prepared[which[j]];
            cursors[j].finish();
            out[which[j]] = new GenerationResult(cursors[j].text(), cursors[j].tokens(), request.totalPromptTokens(),
                    c.prefillMs(), shareNanos[j] / 1e6, steps[j], cursors[j].finishReason(), c.report(), c.cache().usedBytes(), held[j]);
        }
    }

    /** A prefilled cache after its press (the same cache, uncompressed, without one); {@code report} is null without a press. */
    public record Compressed(KvCache cache, CompressionReport report) {}

    /**
     * Compresses the prefilled cache with {@code press} (a copy of it when {@code copyCache}, so
     * the same prefill serves several methods); without a press the cache is kept whole. Either way
     * the kept (or merged) slots are then stored at the options' precisions: selection and merging
     * ran on the prefill's full-precision keys, values and statistics, and a quantised cache is
     * quantised once, here, with positions and masses as compression left them. The report's bytes
     * after are those of the stored cache.
     */
    public Compressed compress(Prefilled prefilled, boolean copyCache, Press press, Budget budget) {
        KvCache cache = copyCache ? prefilled.cache().copy() : prefilled.cache();
        if (press == null) {
            cache.storeAs(options.precision(), options.valuePrecision());
            return new Compressed(cache, null);
        }
        AttentionRecorder rec = prefilled.recorder();
        CompressionReport report = press.compressOrSkip(cache, layer -> rec == null ? null : rec.stats(layer), budget);
        if (cache.keyPrecision() != options.precision() || cache.valuePrecision() != options.valuePrecision()) {
            cache.storeAs(options.precision(), options.valuePrecision());
            report = report.stored(cache);
        }
        return new Compressed(cache, report);
    }

    /** Receives the logits a forward pass computed for one fed token: {@code logits[offset, offset + vocab)}. */
    @FunctionalInterface
    public interface PositionLogits {
        /**
         * @param index  the fed token's index in the teacher-forced sequence
         * @param logits a live buffer, valid only during the call (copy what must be kept)
         */
        void accept(int index, float[] logits, int offset);
    }

    /**
     * Teacher forcing: appends {@code tokens} to the cache (after whatever it holds, compressed
     * or not) in chunks of the batch size and hands over, for each token, the logits of the
     * next-token distribution after it. Nothing is sampled; the cache grows by the tokens.
     */
    public void teacherForce(KvCache cache, int[] tokens, PositionLogits onLogits) {
        int context = model.config().contextLength();
        if (tokens.length == 0) throw new IllegalArgumentException("nothing to teacher-force: no tokens");
        if (cache.nextPosition() + tokens.length > context) {
            throw new IllegalArgumentException(cache.nextPosition() + " tokens in the cache and " + tokens.length
                    + " teacher-forced tokens exceed the model's context window of " + context + " tokens");
        }
        cache.reserve(tokens.length);
        int vocab = model.config().vocabularySize();
        int done = 0;
        while (done < tokens.length) {
            int n = Math.min(options.batch(), tokens.length - done); // allLogits holds one chunk of the state's batch
            llama.forward(tokens, done, n, cache, state, par, null, true);
            float[] all = state.allLogits();
            for (int b = 0; b < n; b++) onLogits.accept(done + b, all, b * vocab);
            done += n;
        }
    }

    private void prefillChunks(int[] tokens, KvCache cache, AttentionRecorder recorder) {
        int done = 0;
        int chunk = Math.max(options.batch(), 512);
        while (done < tokens.length) {
            int n = Math.min(chunk, tokens.length - done);
            llama.forward(tokens, done, n, cache, state, par, recorder == null ? null : recorder.offset(done), false);
            done += n;
            prefillProgress.accept(done);
        }
    }

    @Override
    public void close() {
        par.close();
    }
}
