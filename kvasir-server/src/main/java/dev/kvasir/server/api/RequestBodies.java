package dev.kvasir.server.api;

import dev.kvasir.server.Quantities;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.io.InputStream;

/** Reads a request body up to a limit: a declared or actual size above it is a 413, never a large allocation. */
public final class RequestBodies {
    private RequestBodies() {}

    public static byte[] read(HttpServletRequest req, long maxBytes) {
        long declared = req.getContentLengthLong();
        if (declared > maxBytes) throw tooLarge(declared + " bytes", maxBytes);
        try (InputStream in = req.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) throw tooLarge("more than " + maxBytes + " bytes", maxBytes);
            return body;
        } catch (IOException e) {
            throw ApiException.invalid(null, "invalid_request_body", "the request body could not be read: " + e.getMessage());
        }
    }

    private static ApiException tooLarge(String size, long max) {
        return ApiException.tooLarge("the request body (" + size + ") is larger than the server's --max-body limit of "
                + Quantities.describeBytes(max));
    }
}
