package dev.kvasir.server.api;

import dev.kvasir.server.metrics.ServerMetrics;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Jetty's own refusals in the OpenAI error shape instead of its HTML page: requests the HTTP layer
 * rejects before any endpoint sees them (a malformed request line, a bad or duplicated
 * Content-Length, both Transfer-Encoding and Content-Length, a URI longer than the header buffer
 * (414), headers too large (431), an upload that stalls past the idle timeout, ...). They are
 * counted under the endpoint {@code other}.
 */
public final class JsonErrorHandler extends ErrorHandler {
    private final ServerMetrics metrics;

    public JsonErrorHandler(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = request.getAttribute(ERROR_STATUS) instanceof Integer s ? s : response.getStatus();
        String message = request.getAttribute(ERROR_MESSAGE) instanceof String m ? m : null;
        Throwable cause = request.getAttribute(ERROR_EXCEPTION) instanceof Throwable t ? t : null;
        if (status < 400) status = 500;
        ApiException error = error(status, message, cause);
        metrics.request("other", status);
        metrics.error("other", error.code());
        response.setStatus(status);
        generateCacheControl(response);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Json.write(error.body()).getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }

    /** The body of a request the HTTP/1 parser could not read at all (answered without going through {@link #handle}). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        ApiException error = error(status < 400 ? 400 : status, reason, null);
        metrics.request("other", error.status());
        metrics.error("other", error.code());
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(Json.write(error.body()).getBytes(StandardCharsets.UTF_8));
    }

    /** Jetty's messages are sometimes just the status again ({@code "414: null"}, {@code "Bad Request"}). */
    private static boolean informative(String message, int status, String reason) {
        return message != null && !message.isBlank() && !message.equals(reason) && !message.equals(status + ": null")
                && !message.equals(Integer.toString(status));
    }

    static ApiException error(int status, String message, Throwable cause) {
        String code = switch (status) {
            case 400 -> "bad_request";
            case 408 -> "request_timeout";
            case 413 -> "request_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "request_header_fields_too_large";
            case 501 -> "not_implemented";
            case 505 -> "http_version_not_supported";
            case 503 -> "server_busy";
            default -> status >= 500 ? "internal_error" : "invalid_request";
        };
        String reason = HttpStatus.getMessage(status);
        String detail = informative(message, status, reason) ? message
                : cause != null && informative(cause.getMessage(), status, reason) ? cause.getMessage() : null;
        String text = "the HTTP request was rejected: " + status + " " + reason + (detail == null ? "" : " (" + detail + ")");
        return new ApiException(status, status >= 500 ? "server_error" : "invalid_request_error", null, code, text, 0);
    }
}
