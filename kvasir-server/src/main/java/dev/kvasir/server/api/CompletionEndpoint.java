package dev.kvasir.server.api;

import dev.kvasir.server.engine.Admission;
import dev.kvasir.server.engine.EngineStopped;
import dev.kvasir.server.engine.InferenceEngine;
import dev.kvasir.server.engine.OutOfKvMemory;
import dev.kvasir.server.engine.Outcome;
import dev.kvasir.server.metrics.ServerMetrics;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * POST /v1/chat/completions and /v1/completions: parse, admit (slot + KV memory), generate,
 * answer as one JSON object or as server-sent events. The request's deadline (--timeout) covers
 * the queue wait and the generation; a generation cut by it ends with finish_reason "length".
 * A client that goes away cancels its generation at the next decode step, and so does the end of
 * a server shutdown's drain time (the client then gets a 503, or an error event and {@code [DONE]}).
 * A stream counts as answered (200) once its {@code [DONE]} is written, whatever the client does next.
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
    private final ShutdownSignal shutdown;

    public CompletionEndpoint(InferenceEngine engine, RequestParser parser, String modelId, ServerMetrics metrics,
                              Duration timeout, Duration queueTimeout, ShutdownSignal shutdown) {
        this.engine = engine;
        this.parser = parser;
        this.responses = new Responses(modelId);
        this.metrics = metrics;
        this.timeout = timeout;
        this.queueTimeout = queueTimeout;
        this.shutdown = shutdown;
    }

    /** Handles one request; returns the HTTP status it ended with (for the request metrics). */
    public int handle(Context ctx, CompletionRequest.Kind kind, byte[] body, ClientConnection connection) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        CompletionRequest req = kind == CompletionRequest.Kind.CHAT ? parser.chat(body) : parser.completion(body);
        long queueDeadline = Math.min(deadline, start + queueTimeout.toNanos());
        InferenceEngine.Admitted run = admit(req, queueDeadline, connection);
        try (run) {
            // a request that waited in the queue while the server drained gets no slot time once it ends
            if (shutdown.ending()) throw ShutdownSignal.error("the request was not started");
            Responses.Envelope env = Responses.Envelope.of(kind);
            return req.stream() ? stream(ctx, req, run, env, connection, deadline) : whole(ctx, run, env, connection, deadline);
        } finally {
            metrics.duration(kind == CompletionRequest.Kind.CHAT ? "chat_completions" : "completions", Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** Waits for admission; the end of a shutdown's drain time takes a queued request out of the queue with a 503. */
    private InferenceEngine.Admitted admit(CompletionRequest req, long queueDeadline, ClientConnection connection) {
        try {
            return engine.admit(req.job(), queueDeadline, stop(connection));
        } catch (Admission.Refused r) {
            if (r.reason() == Admission.Reason.CLIENT_GONE && !connection.gone() && shutdown.ending()) {
                throw ShutdownSignal.error("the request was not started");
            }
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

    /** Whether the generation must stop: the client went away or the server's drain time is over. */
    private BooleanSupplier stop(ClientConnection connection) {
        return () -> connection.gone() || shutdown.ending();
    }

    /** The generation stopped because the server ended it, not because the client left. */
    private boolean endedByShutdown(Outcome o, ClientConnection connection) {
        return o.cause() == Outcome.Cause.DISCONNECT && !connection.gone() && shutdown.ending();
    }

    private int whole(Context ctx, InferenceEngine.Admitted run, Responses.Envelope env, ClientConnection connection, long deadline) {
        Outcome o;
        try {
            o = run.generate(text -> {}, stop(connection), deadline);
        } catch (OutOfKvMemory e) {
            metrics.outOfMemory();
            throw ApiException.busy(e.getMessage(), 5);
        } catch (EngineStopped e) {
            throw ShutdownSignal.error("the generation was ended");
        }
        record(o, connection);
        if (endedByShutdown(o, connection)) {
            throw ShutdownSignal.error("the generation was ended after " + o.completionTokens() + " tokens");
        }
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
            o = run.generate(text -> sse.send(responses.textChunk(env, text)), stop(connection), deadline);
        } catch (EngineStopped e) {
            // the engine closed under the stream (a shutdown past its drain and grace time): end it as the drain's end does
            ApiException shut = ShutdownSignal.error("the generation was ended");
            sse.send(shut.body());
            sse.done();
            metrics.error(endpoint(env), shut.code());
            return shut.status();
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
        record(o, connection);
        if (endedByShutdown(o, connection)) {
            ApiException e = ShutdownSignal.error("the generation was ended after " + o.completionTokens() + " tokens");
            sse.send(e.body());
            sse.done();
            metrics.error(endpoint(env), e.code());
            return e.status();
        }
        if (o.cause() == Outcome.Cause.DISCONNECT) return CLIENT_CLOSED;
        sse.send(responses.finishChunk(env, o.finishReason()));
        if (req.includeUsage()) sse.send(responses.usageChunk(env, o));
        // answered once [DONE] is out: a client that closes as soon as it reads it did not leave early
        return sse.done() ? 200 : CLIENT_CLOSED;
    }

    private void record(Outcome o, ClientConnection connection) {
        metrics.generated(o);
        switch (o.cause()) {
            case DISCONNECT -> metrics.cancelled(endedByShutdown(o, connection) ? "shutdown" : "disconnect");
            case TIMEOUT -> metrics.cancelled("timeout");
            case FINISHED -> { }
        }
    }

    private static String endpoint(Responses.Envelope env) {
        return env.kind() == CompletionRequest.Kind.CHAT ? "chat_completions" : "completions";
    }
}
