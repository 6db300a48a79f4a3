package dev.kvasir.server.engine;

/**
 * The engine was closed while the request still ran (a shutdown whose drain and grace time are
 * over). The request ends like one cut off by the shutdown: a 503, or an error event in a stream.
 */
public final class EngineStopped extends RuntimeException {
    EngineStopped(String message) {
        super(message, null, false, false);
    }
}
