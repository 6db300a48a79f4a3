package dev.kvasir.server.api;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a server without an API key asks of a request so that web pages cannot use it behind the
 * user's back. A page on another site may make the browser send "simple" cross-site POSTs
 * (form-encoded or text/plain bodies, no preflight), and by DNS rebinding its own host name may
 * come to point at 127.0.0.1 and reach this server. So: the {@code Host} header must name this
 * server (a loopback name, {@code --host} or an {@code --allowed-host}), and POST bodies must be
 * declared {@code application/json} (which a cross-site page cannot send without a CORS preflight,
 * and this server answers none). With an API key the page would need the key, so neither check runs.
 */
public final class RequestGuard {
    private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1", "[::1]");
    private final boolean enabled;
    private final boolean anyHost;
    private final Set<String> hosts = new HashSet<>(LOOPBACK);

    public RequestGuard(boolean enabled, String bindHost, List<String> allowedHosts) {
        this.enabled = enabled;
        this.anyHost = allowedHosts.contains("*");
        hosts.add(normalize(bindHost));
        for (String h : allowedHosts) hosts.add(normalize(h));
    }

    /** Checks the Host header (null: absent, as HTTP/1.0 allows). */
    public void checkHost(String hostHeader) {
        if (!enabled || anyHost || hostHeader == null) return;
        String name = hostName(hostHeader);
        if (!hosts.contains(name)) {
            throw new ApiException(403, "invalid_request_error", null, "host_not_allowed", "the Host header '" + hostHeader
                    + "' does not name this server; without an API key it answers only requests addressed to "
                    + String.join(", ", LOOPBACK) + ", its --host or an --allowed-host (a guard against DNS rebinding): "
                    + "address it by one of those, set --api-key, or add the name with --allowed-host", 0);
        }
    }

    /** Checks that a POST declares a JSON body. */
    public void checkJsonBody(String contentType) {
        if (!enabled) return;
        String media = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw new ApiException(415, "invalid_request_error", null, "unsupported_media_type", "the request body must be sent with "
                    + "'Content-Type: application/json'" + (contentType == null ? " (there was no Content-Type)" : ", got '" + contentType + "'"), 0);
        }
    }

    /** The name part of a Host header ({@code name[:port]} or {@code [v6]:port}), lower case, without a trailing dot. */
    static String hostName(String header) {
        String h = header.trim();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(0, close + 1);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) h = h.substring(0, colon);
        }
        return normalize(h);
    }

    private static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        if (n.indexOf(':') >= 0 && !n.startsWith("[")) n = "[" + n + "]"; // an IPv6 literal as --host gives it
        return n;
    }
}
