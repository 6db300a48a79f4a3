package dev.kvasir.server.api;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests being handled, from the moment their body has arrived until their response
 * has been written out (not just until the endpoint returns: Javalin writes the answer after
 * that). A shutdown waits for this count to reach zero before it closes the connections.
 */
public final class InFlightRequests extends Handler.Wrapper {
    private final AtomicInteger count = new AtomicInteger();

    public int count() {
        return count.get();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        count.incrementAndGet();
        AtomicBoolean done = new AtomicBoolean();
        Runnable finish = () -> {
            if (done.compareAndSet(false, true)) count.decrementAndGet();
        };
        Callback counted = new Callback() {
            @Override
            public void succeeded() {
                finish.run();
                callback.succeeded();
            }

            @Override
            public void failed(Throwable failure) {
                finish.run();
                callback.failed(failure);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        try {
            boolean handled = super.handle(request, response, counted);
            if (!handled) finish.run();
            return handled;
        } catch (Throwable t) {
            finish.run();
            throw t;
        }
    }
}
