package dev.kvasir.server.api;

/**
 * The server's shutdown as the endpoints see it: first it <em>drains</em> (new requests are
 * refused, those in flight run on), then, when {@code --drain-timeout} has passed, it <em>ends</em>
 * what still runs (generations stop at their next step; streams get an error event and
 * {@code [DONE]}).
 */
public final class ShutdownSignal {
    private volatile boolean draining;
    private volatile boolean ending;

    /** New requests are refused from now on. */
    public void drain() {
        draining = true;
    }

    /** Requests still running must stop now. */
    public void end() {
        draining = true;
        ending = true;
    }

    public boolean draining() {
        return draining;
    }

    public boolean ending() {
        return ending;
    }

    /** The 503 of a request refused or cut off by the shutdown. */
    public static ApiException error(String what) {
        return new ApiException(503, "server_error", null, "server_shutting_down", "the server is shutting down: " + what, 0);
    }
}
