package dev.kvasir.core.json;

/** Malformed or unexpected JSON; the message names the source and the offset or field. */
public final class JsonException extends RuntimeException {
    public JsonException(String message) {
        super(message);
    }
}
