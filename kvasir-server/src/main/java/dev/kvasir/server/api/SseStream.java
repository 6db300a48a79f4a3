package dev.kvasir.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-events response: {@code data: {...}} events, flushed one by one, ending with
 * {@code data: [DONE]}. A write that fails means the client has gone; the stream remembers it
 * (so generation can be cancelled) and drops further events instead of throwing into the decode
 * loop.
 */
final class SseStream {
    private final HttpServletResponse response;
    private final ClientConnection connection;
    private OutputStream out;

    SseStream(HttpServletResponse response, ClientConnection connection) {
        this.response = response;
        this.connection = connection;
    }

    /** Sends the 200 status and the event-stream headers. */
    void open() {
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no"); // tells nginx-style proxies not to buffer the stream
        try {
            out = response.getOutputStream();
            out.flush();
        } catch (IOException e) {
            connection.markGone();
        }
    }

    void send(JsonNode event) {
        write("data: " + Json.write(event) + "\n\n");
    }

    /** Ends the stream; true when {@code [DONE]} was written and flushed. */
    boolean done() {
        return write("data: [DONE]\n\n");
    }

    private boolean write(String text) {
        if (out == null || connection.gone()) return false;
        try {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException e) {
            connection.markGone();
            return false;
        }
    }
}
