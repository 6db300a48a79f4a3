package dev.kvasir.server.api;

import dev.kvasir.server.engine.Admission;
import dev.kvasir.server.engine.InferenceEngine;
import dev.kvasir.server.engine.OutOfKvMemory;
import dev.kvasir.server.engine.Outcome;
import dev.kvasir.server.metrics.ServerMetrics;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;

/**
 * POST /v1/chat/completions and /v1/completions: parse, admit (slot + KV memory), generate,
 * answer as one JSON object or as server-sent events. The request's deadline (--timeout) covers
 * the queue wait and the generation; a generation cut by it ends with finish_reason "length".
 * A client that goes away cancels its generation at the next decode step.
 */
public final class CompletionEndpoint {
    /** Status recorded for requests whose client went away before the answer (nginx's convention). */
    static final int CLIENT_CLOSED = 499;
    private static final Logger log = LoggerFactory.getLogger(CompletionEndpoint.class);

    private final InferenceEngine engine;
    private final RequestParser parser;
    private final Responses responses;
    private final ServerMetrics metrics;
    private final Duration timeout;
    private final Duration queueTimeout;

    public CompletionEndpoint(InferenceEngine engine, RequestParser parser, String modelId, ServerMetrics metrics,
                              Duration timeout, Duration queueTimeout) {
        this.engine = engine;
        this.parser = parser;
        this.responses = new Responses(modelId);
        this.metrics = metrics;
        this.timeout = timeout;
        this.queueTimeout = queueTimeout;
    }

    /** Handles one request; returns the HTTP status it ended with (for the request metrics). */
    public int handle(Context ctx, CompletionRequest.Kind kind, byte[] body, ClientConnection connection) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        CompletionRequest req = kind == CompletionRequest.Kind.CHAT ? parser.chat(body) : parser.completion(body);
        long queueDeadline = Math.min(deadline, start + queueTimeout.toNanos());
        InferenceEngine.Admitted run = admit(req, queueDeadline, connection);
        try (run) {
            Responses.Envelope env = Responses.Envelope.of(kind);
            return req.stream() ? stream(ctx, req, run, env, connection, deadline) : whole(ctx, run, env, connection, deadline);
        } finally {
            metrics.duration(kind == CompletionRequest.Kind.CHAT ? "chat_completions" : "completions", Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private InferenceEngine.Admitted admit(CompletionRequest req, long queueDeadline, ClientConnection connection) {
        try {
            return engine.admit(req.job(), queueDeadline, connection::gone);
        } catch (Admission.Refused r) {
            throw refused(r, metrics, "; lower 'max_tokens', shorten the prompt or ask for 'kv_compression'");
        }
    }

    /** The error for a refused admission: 400 when it can never fit ({@code advice} says what to change), else 503. */
    static ApiException refused(Admission.Refused r, ServerMetrics metrics, String advice) {
        metrics.rejected(r.reason().name().toLowerCase(Locale.ROOT));
        if (r.reason() == Admission.Reason.NEVER_FITS) {
            return ApiException.invalid("max_tokens", "kv_memory_limit_exceeded", r.getMessage() + advice);
        }
        return ApiException.busy(r.getMessage(), r.retryAfterSeconds());
    }

    private int whole(Context ctx, InferenceEngine.Admitted run, Responses.Envelope env, ClientConnection connection, long deadline) {
        Outcome o;
        try {
            o = run.generate(text -> {}, connection::gone, deadline);
        } catch (OutOfKvMemory e) {
            metrics.outOfMemory();
            throw ApiException.busy(e.getMessage(), 5);
        }
        record(o);
        if (o.cause() == Outcome.Cause.DISCONNECT) return CLIENT_CLOSED;
        ctx.status(200).contentType("application/json").result(Json.write(responses.complete(env, o)));
        return 200;
    }

    private int stream(Context ctx, CompletionRequest req, InferenceEngine.Admitted run, Responses.Envelope env,
                       ClientConnection connection, long deadline) {
        SseStream sse = new SseStream(ctx.res(), connection);
        sse.open();
        if (env.kind() == CompletionRequest.Kind.CHAT) sse.send(responses.roleChunk(env));
        Outcome o;
        try {
            o = run.generate(text -> sse.send(responses.textChunk(env, text)), connection::gone, deadline);
        } catch (RuntimeException e) {
            // the 200 is already on the wire: report the failure in the stream, as OpenAI does
            boolean oom = e instanceof OutOfKvMemory;
            if (oom) metrics.outOfMemory();
            else log.error("generation failed mid-stream", e);
            sse.send((oom ? ApiException.busy(e.getMessage(), 5) : ApiException.internal("generation failed: " + e.getMessage())).body());
            sse.done();
            metrics.error(endpoint(env), oom ? "server_busy" : "internal_error");
            return oom ? 503 : 500;
        }
        record(o);
        if (o.cause() == Outcome.Cause.DISCONNECT) return CLIENT_CLOSED;
        sse.send(responses.finishChunk(env, o.finishReason()));
        if (req.includeUsage()) sse.send(responses.usageChunk(env, o));
        sse.done();
        return connection.gone() ? CLIENT_CLOSED : 200;
    }

    private void record(Outcome o) {
        metrics.generated(o);
        switch (o.cause()) {
            case DISCONNECT -> metrics.cancelled("disconnect");
            case TIMEOUT -> metrics.cancelled("timeout");
            case FINISHED -> { }
        }
    }

    private static String endpoint(Responses.Envelope env) {
        return env.kind() == CompletionRequest.Kind.CHAT ? "chat_completions" : "completions";
    }
}
