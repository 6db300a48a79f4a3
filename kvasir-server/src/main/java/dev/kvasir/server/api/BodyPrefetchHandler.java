package dev.kvasir.server.api;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeoutException;

/**
 * Reads a request's body without holding a thread, before the (blocking) endpoints run. Jetty's
 * servlet layer reads bodies by blocking the request's thread: 250 clients that each send one byte
 * of their body and stop would hold all of Jetty's threads, and {@code /health} would wait with
 * everyone else. Here the body is gathered chunk by chunk as it arrives (the selector wakes the
 * request when data comes), and only a complete body gets a thread. A body that stalls for the
 * connection's idle timeout is answered 408; one beyond {@code maxBytes} is handed on as soon as
 * that much has arrived (the endpoint refuses it with 413).
 */
public final class BodyPrefetchHandler extends Handler.Wrapper {
    private final long maxBytes;

    public BodyPrefetchHandler(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!hasBody(request)) return super.handle(request, response, callback);
        new Gatherer(request, response, callback).read(false);
        return true;
    }

    private static boolean hasBody(Request request) {
        long length = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        return length > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    }

    /** Gathers one body; runs again (as a non-blocking task) whenever more of it can be read. */
    private final class Gatherer implements Invocable.Task {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Deque<Content.Chunk> chunks = new ArrayDeque<>();
        private long bytes;

        Gatherer(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        @Override
        public void run() {
            read(true);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        void read(boolean onDemand) {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    fail(chunk.getFailure());
                    return;
                }
                chunks.add(chunk);
                bytes += chunk.remaining();
                if (chunk.isLast() || bytes > maxBytes) {
                    if (onDemand) request.getContext().execute(this::dispatch); // the endpoints block: not on the selector
                    else dispatch();
                    return;
                }
            }
        }

        private void fail(Throwable failure) {
            chunks.forEach(Content.Chunk::release);
            chunks.clear();
            boolean stalled = failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException;
            String message = stalled ? "the request body stopped arriving (nothing for the server's --idle-timeout) after "
                    + bytes + " bytes" : "the request body could not be read: " + failure.getMessage();
            Response.writeError(request, response, callback, stalled ? 408 : 400, message, failure);
        }

        private void dispatch() {
            Replay replay = new Replay(request, chunks, callback);
            try {
                if (!getHandler().handle(replay, response, replay)) Response.writeError(request, response, replay, 404);
            } catch (Throwable t) {
                Response.writeError(request, response, replay, t);
            }
        }
    }

    /** The request with its gathered chunks read first; releases them when the response completes. */
    private static final class Replay extends Request.Wrapper implements Callback {
        private final Deque<Content.Chunk> chunks;
        private final Callback callback;

        Replay(Request wrapped, Deque<Content.Chunk> chunks, Callback callback) {
            super(wrapped);
            this.chunks = chunks;
            this.callback = callback;
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk c = chunks.pollFirst();
            return c != null ? c : super.read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            if (!chunks.isEmpty()) demandCallback.run();
            else super.demand(demandCallback);
        }

        @Override
        public InvocationType getInvocationType() {
            return callback.getInvocationType();
        }

        private void release() {
            Content.Chunk c;
            while ((c = chunks.pollFirst()) != null) c.release();
        }

        @Override
        public void succeeded() {
            release();
            callback.succeeded();
        }

        @Override
        public void failed(Throwable failure) {
            release();
            callback.failed(failure);
        }
    }
}
