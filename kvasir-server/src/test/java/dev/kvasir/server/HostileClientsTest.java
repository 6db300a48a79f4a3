package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that misbehave at the HTTP level, over raw sockets: stalled uploads must not starve
 * {@code /health} or the other requests, and every refusal Jetty makes itself is an OpenAI error
 * object, not an HTML page.
 */
class HostileClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() {
        // a short idle timeout so the stalled-body case answers quickly; generations are not cut by it
        server = TestServer.start(TestServer.stories(), TestServer.config().withIdleTimeout(Duration.ofSeconds(2)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void stalledUploadsDoNotBlockHealthOrCompletions() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        // these clients stall for longer than the idle timeout of this server would allow; another
        // server with the default 30 s idle timeout keeps them open throughout the checks
        try (TestServer patient = TestServer.start(TestServer.stories(), TestServer.config())) {
            try {
                for (int i = 0; i < 300; i++) {
                    Socket s = new Socket("127.0.0.1", patient.server.port());
                    s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> health = patient.get("/health");
                    assertThat(health.statusCode()).isEqualTo(200);
                    assertThat(health.body()).contains("\"status\":\"ok\"");
                }
                HttpResponse<String> r = patient.post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 3}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                // the stalled connections are all still open: nothing was freed to let these through
                for (Socket s : stalled) assertThat(s.isClosed()).isFalse();
            } finally {
                for (Socket s : stalled) s.close();
            }
        }
    }

    @Test
    void aStalledBodyIsA408AfterTheIdleTimeout() throws Exception {
        String r = raw("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
        JsonNode e = error(r, 408, "request_timeout");
        assertThat(e.get("message").asText()).contains("stopped arriving").contains("--idle-timeout");
    }

    @Test
    void jettyLevelRejectionsAreOpenAiErrors() throws Exception {
        String post = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
        assertThat(error(raw(post + "Content-Length: abc\r\n\r\n{}"), 400, "bad_request").get("message").asText())
                .contains("Content-Length");
        assertThat(error(raw(post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), 400, "bad_request").get("message").asText())
                .contains("Content-Length");
        // conflicting framing: the request-smuggling shape
        assertThat(error(raw(post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400, "bad_request")
                .get("message").asText()).contains("Transfer-Encoding and Content-Length");
        error(raw(post + "Transfer-Encoding: gzip\r\n\r\n"), 400, "bad_request");
        error(raw("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 414, "uri_too_long");
        error(raw("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n"), 431,
                "request_header_fields_too_large");
        error(raw("HELLO\r\n\r\n"), 400, "bad_request");
        error(raw("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n"), 400, "bad_request");
        error(raw("GET /health HTTP/7.0\r\nHost: 127.0.0.1\r\n\r\n"), 505, "http_version_not_supported");
    }

    @Test
    void aStreamThatCompletesIsNeverCountedAs499() throws Exception {
        double ok = server.metric("kvasir_requests_total", "endpoint", "completions", "status", "200");
        double gone = server.metric("kvasir_requests_total", "endpoint", "completions", "status", "499");
        for (int i = 0; i < 5; i++) {
            // the client closes the moment it has read [DONE], as the SDKs do
            try (Socket s = send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: %d\r\n\r\n", "{\"prompt\": \"Once\", \"max_tokens\": 4, \"stream\": true}")) {
                StringBuilder seen = new StringBuilder();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                while (!seen.toString().contains("data: [DONE]")) {
                    int n = in.read(buf);
                    if (n < 0) break;
                    seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
                assertThat(seen.toString()).contains("data: [DONE]");
            }
        }
        Await.until(Duration.ofSeconds(30), "five streams are counted", () ->
                server.metric("kvasir_requests_total", "endpoint", "completions", "status", "200") == ok + 5);
        assertThat(server.metric("kvasir_requests_total", "endpoint", "completions", "status", "499")).isEqualTo(gone);
    }

    /** Asserts an OpenAI error response of {@code status}; returns the error object. */
    private static JsonNode error(String response, int status, String code) throws IOException {
        assertThat(response).as(response).startsWith("HTTP/1.1 " + status + " ");
        int split = response.indexOf("\r\n\r\n");
        String head = response.substring(0, split).toLowerCase();
        assertThat(head).as(response).contains("content-type: application/json");
        JsonNode e = JSON.readTree(response.substring(split + 4)).get("error");
        assertThat(e).as(response).isNotNull();
        assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code")).as(response).isTrue();
        assertThat(e.get("type").asText()).isEqualTo(status >= 500 ? "server_error" : "invalid_request_error");
        assertThat(e.get("code").asText()).isEqualTo(code);
        return e;
    }

    private static Socket send(String headFormat, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        Socket s = new Socket("127.0.0.1", server.server.port());
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        out.write(String.format(headFormat, b.length).getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return s;
    }

    private static String raw(String request) throws IOException {
        return RawHttp.exchange(server.server.port(), request);
    }
}
