package dev.kvasir.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server without an API key answers only requests addressed to it by a name of its own (DNS
 * rebinding) and only POST bodies declared as JSON (cross-site "simple" POSTs); with a key it
 * needs neither check.
 */
class BrowserSafetyTest {
    private static final String COMPLETION = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
    private static TestServer open;
    private static TestServer keyed;

    @BeforeAll
    static void start() {
        open = TestServer.start(TestServer.stories(), TestServer.config().withAllowedHosts(List.of("kvasir.internal")));
        keyed = TestServer.start(TestServer.stories(), TestServer.config().withApiKey("secret"));
    }

    @AfterAll
    static void stop() {
        open.close();
        keyed.close();
    }

    private static String get(TestServer s, String path, String host) throws IOException {
        return RawHttp.exchange(s.server.port(), "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    private static String post(TestServer s, String host, String contentType, String... extraHeaders) throws IOException {
        StringBuilder head = new StringBuilder("POST /v1/completions HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        if (contentType != null) head.append("Content-Type: ").append(contentType).append("\r\n");
        for (String h : extraHeaders) head.append(h).append("\r\n");
        head.append("Content-Length: ").append(COMPLETION.length()).append("\r\n\r\n").append(COMPLETION);
        return RawHttp.exchange(s.server.port(), head.toString());
    }

    @Test
    void foreignHostNamesAreRefusedWithoutAKey() throws Exception {
        int port = open.server.port();
        for (String host : new String[] {"evil.example", "evil.example:" + port, "attacker.localhost.example", "127.0.0.2"}) {
            String r = get(open, "/v1/models", host);
            assertThat(RawHttp.status(r)).as(r).isEqualTo(403);
            assertThat(RawHttp.body(r).at("/error/code").asText()).isEqualTo("host_not_allowed");
            assertThat(RawHttp.body(r).at("/error/message").asText()).contains("'" + host + "'").contains("--allowed-host");
            assertThat(RawHttp.status(post(open, host, "application/json"))).isEqualTo(403);
            assertThat(RawHttp.status(get(open, "/", host))).isEqualTo(403); // the page too: a rebound page must not read it
        }
        for (String host : new String[] {"localhost", "localhost:" + port, "LOCALHOST.", "127.0.0.1:" + port, "[::1]:" + port,
                "kvasir.internal", "Kvasir.Internal:" + port}) {
            String r = get(open, "/v1/models", host);
            assertThat(RawHttp.status(r)).as(host + ": " + r).isEqualTo(200);
        }
        // health probes use whatever address they have
        assertThat(RawHttp.status(get(open, "/health", "10.1.2.3:" + port))).isEqualTo(200);
    }

    @Test
    void postsMustDeclareJsonWithoutAKey() throws Exception {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
            String r = post(open, "localhost", type);
            assertThat(RawHttp.status(r)).as(r).isEqualTo(415);
            assertThat(RawHttp.body(r).at("/error/code").asText()).isEqualTo("unsupported_media_type");
            assertThat(RawHttp.body(r).at("/error/message").asText()).contains("application/json").contains(type);
        }
        assertThat(RawHttp.status(post(open, "localhost", null))).isEqualTo(415);
        assertThat(RawHttp.status(post(open, "localhost", "application/json"))).isEqualTo(200);
        assertThat(RawHttp.status(post(open, "localhost", "Application/JSON; charset=utf-8"))).isEqualTo(200);
    }

    @Test
    void withAnApiKeyNeitherCheckApplies() throws Exception {
        String r = post(keyed, "evil.example", "text/plain", "Authorization: Bearer secret");
        assertThat(RawHttp.status(r)).as(r).isEqualTo(200);
        assertThat(RawHttp.status(post(keyed, "evil.example", "text/plain"))).isEqualTo(401);
    }
}
