package dev.kvasir.core.generate;

import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.AttentionRecorder;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.model.LlamaModel;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.press.DecodePress;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.StatsRequest;
import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.core.util.Parallel;

import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
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
        Compressed compressed = compress(prefilled, copyCache, press, budget);
        KvCache cache = compressed.cache();
        CompressionReport report = compressed.report();
        int context = model.config().contextLength();
        Tokenizer tok = model.tokenizer();
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
        state.recordDecodeAttention(decodePress != null);
        if (decodePress != null) decodePress.reset();
        // decode-time presses, like prompt presses, act on the layers that hold the whole context
        KvCache pressed = decodePress != null ? cache.compressibleView() : cache;
        java.util.function.IntFunction<float[][]> rowsOfLayer = layer -> state.lastAttentionRows(pressed.modelLayer(layer));
        Sampler sampler = new Sampler(request.sampling());
        int[] history = Arrays.copyOf(request.prompt(), request.totalPromptTokens() + request.maxTokens() + 1);
        System.arraycopy(request.afterCompression(), 0, history, request.prompt().length, request.afterCompression().length);
        int historyLength = request.totalPromptTokens();
        int[] generated = new int[request.maxTokens()];
        int n = 0;
        Utf8StreamDecoder utf8 = new Utf8StreamDecoder();
        StopStringMatcher stops = new StopStringMatcher(request.stopStrings());
        StringBuilder text = new StringBuilder();
        String finish = "length";
        int[] stopTokens = tok.stopTokens();
        int steps = 0;
        long heldAtDecode = cache.allocatedBytes();
        long decodeStart = System.nanoTime();
        while (n < request.maxTokens()) {
            if (cancelled.getAsBoolean()) {
                finish = "cancelled";
                break;
            }
            int next = sampler.sample(state.logits(), IntSequence.of(history, historyLength));
            if (!request.ignoreEos() && contains(stopTokens, next)) {
                finish = "stop";
                break;
            }
            generated[n++] = next;
            history[historyLength++] = next;
            String piece = tok.isSpecial(next) ? "" : utf8.decode(tok.tokenBytes(next));
            String emit = stops.push(piece);
            if (!emit.isEmpty()) {
                text.append(emit);
                onText.accept(emit);
            }
            if (stops.stopped()) {
                finish = "stop";
                break;
            }
            if (n == request.maxTokens()) break;
            if (cache.nextPosition() >= context) {
                finish = "length";
                break;
            }
            llama.forward(history, historyLength - 1, 1, cache, state, par, null, false); // the token just appended
            steps++;
            if (decodePress != null) decodePress.afterDecodeStep(pressed, rowsOfLayer);
        }
        if (!stops.stopped()) {
            String tail = stops.push(utf8.finish());
            String rest = tail + (stops.stopped() ? "" : stops.flush());
            if (!rest.isEmpty()) {
                text.append(rest);
                onText.accept(rest);
            }
        }
        long decodeEnd = System.nanoTime();
        return new GenerationResult(text.toString(), Arrays.copyOf(generated, n), request.totalPromptTokens(),
                prefillMs, (decodeEnd - decodeStart) / 1e6, steps, finish,
                report, cache.usedBytes(), heldAtDecode);
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

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }

    @Override
    public void close() {
        par.close();
    }
}
