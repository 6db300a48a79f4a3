package dev.kvasir.server.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** {@code Authorization: Bearer <key>} when the server has an API key; everything passes when it has none. */
public final class ApiKeyCheck {
    private final byte[] expected;

    public ApiKeyCheck(String apiKey) {
        this.expected = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    }

    public void check(String authorizationHeader) {
        if (expected == null) return;
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw ApiException.unauthorized("You didn't provide an API key. Send it in the Authorization header as 'Authorization: Bearer YOUR_KEY'.");
        }
        String h = authorizationHeader.trim();
        if (!h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("The Authorization header must be 'Bearer YOUR_KEY'.");
        }
        byte[] given = h.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        // constant-time comparison: response timing must not reveal how much of a guess was right
        if (!MessageDigest.isEqual(given, expected)) throw ApiException.unauthorized("Incorrect API key provided.");
    }
}
