package dev.kvasir.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answered the OpenAI way: an HTTP status and
 * {@code {"error": {"message", "type", "param", "code"}}}. Thrown anywhere in request handling and
 * rendered by the server in one place.
 *
 * @see #body()
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final long retryAfterSeconds;

    public ApiException(int status, String type, String param, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: the request is wrong; {@code param} names the field (dotted path) when there is one. */
    public static ApiException invalid(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", param, code, message, 0);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", null, "invalid_api_key", message, 0);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", null, "not_found", message, 0);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(405, "invalid_request_error", null, "method_not_allowed", message, 0);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large", message, 0);
    }

    /** 503 with Retry-After: try again later. */
    public static ApiException busy(String message, long retryAfterSeconds) {
        return new ApiException(503, "server_error", null, "server_busy", message, Math.max(1, retryAfterSeconds));
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "server_error", null, "internal_error", message, 0);
    }

    public int status() { return status; }

    public String type() { return type; }

    public String param() { return param; }

    public String code() { return code; }

    /** Seconds for the Retry-After header, 0 for none. */
    public long retryAfterSeconds() { return retryAfterSeconds; }

    /** The OpenAI error object. */
    public ObjectNode body() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
