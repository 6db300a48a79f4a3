package dev.kvasir.server.api;

import dev.kvasir.server.Quantities;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.io.InputStream;

/** Reads a request body up to a limit: a declared or actual size above it is a 413, never a large allocation. */
public final class RequestBodies {
    private RequestBodies() {}

    /**
     * How much of an oversized body is read and thrown away before the 413 goes out. A client
     * still sending when the server answers and closes gets a broken pipe instead of the answer
     * (seen in CI with a 100 KiB body); reading the rest lets it finish and read the 413. Larger
     * bodies are cut off without reading them.
     */
    static final long DRAIN_LIMIT = 8L << 20;

    public static byte[] read(HttpServletRequest req, long maxBytes) {
        long declared = req.getContentLengthLong();
        try (InputStream in = req.getInputStream()) {
            if (declared > maxBytes) {
                if (declared <= DRAIN_LIMIT) discard(in, DRAIN_LIMIT);
                throw tooLarge(declared + " bytes", maxBytes);
            }
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                discard(in, DRAIN_LIMIT);
                throw tooLarge("more than " + maxBytes + " bytes", maxBytes);
            }
            return body;
        } catch (IOException e) {
            throw ApiException.invalid(null, "invalid_request_body", "the request body could not be read: " + e.getMessage());
        }
    }

    /** Reads and drops up to {@code limit} bytes of what is left of the body. */
    private static void discard(InputStream in, long limit) throws IOException {
        byte[] buffer = new byte[8192];
        for (long left = limit; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) return;
            left -= n;
        }
    }

    private static ApiException tooLarge(String size, long max) {
        return ApiException.tooLarge("the request body (" + size + ") is larger than the server's --max-body limit of "
                + Quantities.describeBytes(max));
    }
}
