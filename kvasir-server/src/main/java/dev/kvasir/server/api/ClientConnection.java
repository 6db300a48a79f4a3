package dev.kvasir.server.api;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the client of one request is still there, polled by the decode loop between steps so
 * that a client that went away stops its generation.
 *
 * <p>Three signals mark it gone: a failed response write (streaming), Jetty's failure listener,
 * and a read watch. The read watch is needed because Jetty does not read from an HTTP/1.1
 * connection while a request is being handled, so it never sees the client's FIN during a long
 * non-streaming generation. While the request runs we therefore ask the endpoint to tell us when
 * the socket becomes readable: for a client that does not pipeline (none of the OpenAI clients
 * do) the only thing that can arrive is end-of-stream. Should bytes arrive instead (a pipelined
 * request), one byte has been consumed and the connection must close after this response.
 * {@link #close()} withdraws the interest before Jetty registers its own for the next request.
 */
public final class ClientConnection implements AutoCloseable {
    private volatile boolean gone;
    private volatile boolean strayBytes;
    private final AbstractEndPoint endPoint;
    private final AtomicBoolean watching = new AtomicBoolean();
    private final Callback readable = Callback.from(this::onReadable, failure -> watching.set(false));

    private ClientConnection(AbstractEndPoint endPoint) {
        this.endPoint = endPoint;
    }

    /** Watches the connection of this request (read watch on plain HTTP/1.1 Jetty connections only). */
    public static ClientConnection watch(Context ctx) {
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(ctx.req());
        EndPoint ep = jetty == null ? null : jetty.getConnectionMetaData().getConnection().getEndPoint();
        boolean http11 = jetty != null && jetty.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1;
        ClientConnection c = new ClientConnection(http11 && ep instanceof AbstractEndPoint a ? a : null);
        if (jetty != null) jetty.addFailureListener(failure -> c.markGone());
        c.watchReads();
        return c;
    }

    private void watchReads() {
        if (endPoint == null || gone) return;
        watching.set(true);
        if (!endPoint.tryFillInterested(readable)) watching.set(false); // someone else reads: rely on the other signals
    }

    private void onReadable() {
        watching.set(false);
        try {
            ByteBuffer probe = BufferUtil.allocate(1);
            int n = endPoint.fill(probe);
            if (n < 0) markGone();
            else if (n > 0) strayBytes = true;
            else watchReads(); // spurious wake-up
        } catch (IOException e) {
            markGone();
        }
    }

    void markGone() {
        gone = true;
    }

    boolean gone() {
        return gone;
    }

    /** The client sent bytes mid-request; the connection must not be reused. */
    public boolean mustClose() {
        return strayBytes;
    }

    /** Stops the read watch (before the response completes and Jetty reads the next request). */
    @Override
    public void close() {
        if (watching.getAndSet(false)) endPoint.getFillInterest().onFail(new CancellationException("request finished"));
    }
}
