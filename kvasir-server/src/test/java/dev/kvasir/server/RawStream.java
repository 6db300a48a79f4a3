package dev.kvasir.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A hand-written HTTP/1.1 POST over a plain socket, so a test can read part of a response and
 * then drop the connection the way a crashed or impatient client does.
 */
final class RawStream implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;

    RawStream(int port, String path, String json) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The status line, e.g. {@code HTTP/1.1 200 OK}. */
    String statusLine() throws IOException {
        return in.readLine();
    }

    /** Reads lines until {@code count} server-sent events ({@code data:} lines) have arrived. */
    void awaitEvents(int count) throws IOException {
        int seen = 0;
        while (seen < count) {
            String line = in.readLine();
            if (line == null) throw new IOException("the stream ended after " + seen + " events");
            if (line.startsWith("data:")) seen++;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
