package dev.kvasir.server.engine;

import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.IntSequence;
import dev.kvasir.core.generate.Sampler;
import dev.kvasir.core.generate.StopStringMatcher;
import dev.kvasir.core.generate.Utf8StreamDecoder;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.model.AttentionRecorder;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.press.DecodePress;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One request inside the batch. The scheduler thread owns everything but the two fields the
 * request's HTTP thread touches: {@link #cancel} (it asks) and {@link #events} (it reads what
 * the scheduler produced: text pieces, then the outcome or a failure). The token logic is
 * {@code Generator.continueFrom}'s, one step at a time: sample, stop tokens, stop strings,
 * UTF-8-safe text.
 */
final class Sequence {
    /** What the scheduler tells the request's thread. */
    sealed interface Event permits Text, Done, Failed {}

    record Text(String text) implements Event {}

    record Done(Outcome outcome) implements Event {}

    record Failed(RuntimeException error) implements Event {}

    final InferenceJob job;
    final GenerationRequest request;
    final Admission<DecodeSlot>.Lease lease;
    final long deadlineNanos;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Set by the request's thread; the scheduler stops the sequence at its next chunk or step. */
    volatile Outcome.Cause cancel;

    // scheduler-owned state
    KvCache cache;
    AttentionRecorder recorder;
    Press press;
    CompressionReport report;
    DecodePress decodePress;
    /** Only for sequences with a decode-time press, which step alone (they need their attention rows). */
    InferenceState state;
    int prefilled;
    /** Prompt tokens taken from a kept conversation's cache ({@link PromptCache}) instead of prefilled. */
    int cachedTokens;
    /** Prompt tokens the press compressed (in this request, or in the earlier turn whose cache it continues); 0 without a press. */
    int compressedTokens;
    float[] logits;
    Sampler sampler;
    int[] history;
    int historyLength;
    int[] generated;
    int count;
    int pending;
    int steps;
    final Utf8StreamDecoder utf8 = new Utf8StreamDecoder();
    final StopStringMatcher stops;
    final StringBuilder text = new StringBuilder();
    long startNanos = System.nanoTime();
    long prefillStartNanos;
    double prefillMs;
    long decodeStartNanos;
    long heldAtDecode;
    boolean finished;

    Sequence(InferenceJob job, Admission<DecodeSlot>.Lease lease, long deadlineNanos) {
        this.job = job;
        this.request = job.toRequest();
        this.lease = lease;
        this.deadlineNanos = deadlineNanos;
        this.stops = new StopStringMatcher(request.stopStrings());
    }

    /** Why the sequence must stop now, or null. */
    Outcome.Cause stopCause() {
        Outcome.Cause c = cancel;
        if (c != null) return c;
        return System.nanoTime() - deadlineNanos > 0 ? Outcome.Cause.TIMEOUT : null;
    }

    void startDecoding(int vocab) {
        sampler = new Sampler(request.sampling());
        history = Arrays.copyOf(request.prompt(), request.prompt().length + request.maxTokens() + 1);
        historyLength = request.prompt().length;
        generated = new int[request.maxTokens()];
        decodeStartNanos = System.nanoTime();
    }

    /**
     * Takes the next-token logits: samples, emits text, and answers the finish reason when the
     * sequence is done (null to go on with {@link #pending} as the next token to feed).
     */
    String accept(float[] logits, Tokenizer tok, int context) {
        int next = sampler.sample(logits, IntSequence.of(history, historyLength));
        if (!request.ignoreEos() && contains(tok.stopTokens(), next)) return "stop";
        generated[count++] = next;
        history[historyLength++] = next;
        String piece = tok.isSpecial(next) ? "" : utf8.decode(tok.tokenBytes(next));
        emit(stops.push(piece));
        if (stops.stopped()) return "stop";
        if (count == request.maxTokens()) return "length";
        if (cache.nextPosition() >= context) return "length";
        pending = next;
        return null;
    }

    private void emit(String s) {
        if (s.isEmpty()) return;
        text.append(s);
        events.add(new Text(s));
    }

    /** Flushes held-back text and builds the result. */
    GenerationResult result(String finish) {
        if (!stops.stopped() && sampler != null) {
            String tail = stops.push(utf8.finish());
            emit(tail + (stops.stopped() ? "" : stops.flush()));
        }
        double decodeMs = decodeStartNanos == 0 ? 0 : (System.nanoTime() - decodeStartNanos) / 1e6;
        int[] tokens = generated == null ? new int[0] : Arrays.copyOf(generated, count);
        return new GenerationResult(text.toString(), tokens, request.totalPromptTokens(), prefillMs, decodeMs, steps, finish, report,
                cache == null ? 0 : cache.usedBytes(), heldAtDecode);
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}
