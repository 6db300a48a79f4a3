package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Requests written byte by byte (headers Java's HttpClient will not send, malformed requests) and their raw responses. */
final class RawHttp {
    private RawHttp() {}

    /** Sends raw bytes and reads the response until the server closes or goes quiet. */
    static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                    if (complete(got.toString(StandardCharsets.ISO_8859_1))) break;
                }
            } catch (SocketTimeoutException e) {
                // answer so far
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    /** A response with a Content-Length whose body has fully arrived. */
    private static boolean complete(String r) {
        int split = r.indexOf("\r\n\r\n");
        if (split < 0) return false;
        for (String line : r.substring(0, split).split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return r.length() - split - 4 >= Integer.parseInt(line.substring(15).trim());
            }
        }
        return false;
    }

    /** The status code of a raw response. */
    static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /** The JSON body of a raw response. */
    static JsonNode body(String response) throws IOException {
        return new ObjectMapper().readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    }
}
