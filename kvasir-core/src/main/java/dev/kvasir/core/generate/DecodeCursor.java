package dev.kvasir.core.generate;

import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The token side of one sequence's decode, apart from the forward passes: sampling, stop tokens,
 * stop strings, the token budget, and UTF-8-safe text. Whoever runs the model (one sequence at a
 * time, or a batch of them) asks {@link #advance} for the token to feed next, until it answers
 * -1, then calls {@link #finish}.
 */
final class DecodeCursor {
    private final GenerationRequest request;
    private final Tokenizer tokenizer;
    private final Consumer<String> onText;
    private final Sampler sampler;
    private final int[] history;
    private int historyLength;
    private final int[] generated;
    private int count;
    private final Utf8StreamDecoder utf8 = new Utf8StreamDecoder();
    private final StopStringMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private final int[] stopTokens;
    private String finish = "length";
    private boolean done;

    DecodeCursor(GenerationRequest request, Tokenizer tokenizer, Consumer<String> onText) {
        this.request = request;
        this.tokenizer = tokenizer;
        this.onText = onText;
        this.sampler = new Sampler(request.sampling());
        this.history = Arrays.copyOf(request.prompt(), request.totalPromptTokens() + request.maxTokens() + 1);
        System.arraycopy(request.afterCompression(), 0, history, request.prompt().length, request.afterCompression().length);
        this.historyLength = request.totalPromptTokens();
        this.generated = new int[request.maxTokens()];
        this.stops = new StopStringMatcher(request.stopStrings());
        this.stopTokens = tokenizer.stopTokens();
        this.done = request.maxTokens() == 0;
    }

    /** True while the sequence may still produce a token. */
    boolean wantsMore() {
        return !done;
    }

    /**
     * Samples the next token from {@code logits} and takes it in.
     *
     * @param contextFull the cache has reached the model's window, so no token can be fed after this one
     * @return the token to feed to the model next, or -1 when the sequence has ended (stop token,
     *         stop string, its token budget, or the window)
     */
    int advance(float[] logits, boolean contextFull) {
        if (done) throw new IllegalStateException("the sequence has ended (" + finish + ")");
        int next = sampler.sample(logits, IntSequence.of(history, historyLength));
        if (!request.ignoreEos() && contains(stopTokens, next)) return end("stop");
        generated[count++] = next;
        history[historyLength++] = next;
        String piece = tokenizer.isSpecial(next) ? "" : utf8.decode(tokenizer.tokenBytes(next));
        emit(stops.push(piece));
        if (stops.stopped()) return end("stop");
        if (count == request.maxTokens() || contextFull) return end("length");
        return next;
    }

    /** Ends the sequence because its caller gave up on it. */
    void cancel() {
        end("cancelled");
    }

    /** The tokens fed so far (prompt, text after compression and generated), for a forward pass that reads them. */
    int[] history() { return history; }

    int historyLength() { return historyLength; }

    /** Ends the sequence and flushes the text held back for an incomplete UTF-8 character or a possible stop string. */
    void finish() {
        done = true;
        if (!stops.stopped()) {
            String tail = stops.push(utf8.finish());
            emit(tail + (stops.stopped() ? "" : stops.flush()));
        }
    }

    String text() { return text.toString(); }

    int[] tokens() { return Arrays.copyOf(generated, count); }

    String finishReason() { return finish; }

    private int end(String reason) {
        finish = reason;
        done = true;
        return -1;
    }

    private void emit(String s) {
        if (s.isEmpty()) return;
        text.append(s);
        onText.accept(s);
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}
