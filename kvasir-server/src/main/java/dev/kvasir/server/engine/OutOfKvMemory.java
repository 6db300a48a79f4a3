package dev.kvasir.server.engine;

/**
 * The JVM ran out of memory while a request ran (a cache or buffer could not be allocated).
 * The request fails with a 503 (retry later) instead of an empty 500; the server keeps running.
 */
public final class OutOfKvMemory extends RuntimeException {
    OutOfKvMemory(String message) {
        super(message, null, false, false);
    }
}
