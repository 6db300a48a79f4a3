package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission over real HTTP: a full queue and full KV memory answer 503 with Retry-After; a
 * request that could never fit under --max-kv-memory answers 400 naming the limit. A blocking
 * request (a long streaming generation on SmolLM2) holds the slot or the memory meanwhile.
 */
class AdmissionHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String chat(int maxTokens, boolean stream) {
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a story.\"}], \"max_tokens\": " + maxTokens
                + ", \"ignore_eos\": true, \"stream\": " + stream + "}";
    }

    private static JsonNode busy(HttpResponse<String> r, String messagePart) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e.get("type").asText()).isEqualTo("server_error");
        assertThat(e.get("code").asText()).isEqualTo("server_busy");
        assertThat(e.get("message").asText()).contains(messagePart);
        return e;
    }

    @Test
    void fullQueueIs503WithRetryAfter() throws Exception {
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config().withParallel(1).withQueue(0))) {
            try (RawStream blocker = new RawStream(s.server.port(), "/v1/chat/completions", chat(2000, true))) {
                blocker.statusLine();
                blocker.awaitEvents(3);
                busy(s.post("/v1/chat/completions", chat(4, false)), "queue limit 0");
                busy(s.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 2}"), "retry later");
            }
            assertThat(s.metric("kvasir_rejected_total", "reason", "queue_full")).isEqualTo(2);
            assertThat(s.metric("kvasir_requests_total", "status", "503")).isEqualTo(2);
            // once the blocker has gone the server admits again
            Await.until(Duration.ofSeconds(30), "the blocker is cancelled", () -> s.server.engine().activeDecodes() == 0);
            assertThat(s.post("/v1/chat/completions", chat(4, false)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void waitingRequestsAreServedInTurn() throws Exception {
        try (TestServer s = TestServer.start(TestServer.stories(), TestServer.config().withKvPrecision(dev.kvasir.core.kv.KvPrecision.F32).withParallel(1).withQueue(8))) {
            var pending = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<String>>>();
            for (int i = 0; i < 6; i++) {
                pending.add(s.http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.baseUrl() + "/v1/completions"))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once\", \"max_tokens\": 200, \"ignore_eos\": true}"))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : pending) assertThat(f.get().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void fullKvMemoryIs503AndANeverFittingRequestIs400() throws Exception {
        // (the server's F32 cache: the byte counts below are F32's; F16, the default, halves them)
        // SmolLM2 keeps 46,080 bytes of F32 KV per token: the blocker (~2,015 tokens) takes ~93 MB of the 120 MiB
        ServerConfig cfg = TestServer.config().withKvPrecision(dev.kvasir.core.kv.KvPrecision.F32).withParallel(2).withQueue(4).withQueueTimeout(Duration.ofMillis(300))
                .withMaxKvMemory(Quantities.parseBytes("120m"));
        try (TestServer s = TestServer.start(TestServer.smol(), cfg)) {
            try (RawStream blocker = new RawStream(s.server.port(), "/v1/chat/completions", chat(2000, true))) {
                blocker.statusLine();
                blocker.awaitEvents(3);
                busy(s.post("/v1/chat/completions", chat(1000, false)), "KV memory stayed full");
                // a small request still fits beside the blocker
                assertThat(s.post("/v1/chat/completions", chat(8, false)).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> never = s.post("/v1/chat/completions", chat(3000, false));
            assertThat(never.statusCode()).as(never.body()).isEqualTo(400);
            JsonNode e = JSON.readTree(never.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("kv_memory_limit_exceeded");
            assertThat(e.get("param").asText()).isEqualTo("max_tokens");
            assertThat(e.get("message").asText()).contains("--max-kv-memory limit of 120.0 MiB");
            assertThat(s.metric("kvasir_rejected_total", "reason", "timed_out")).isEqualTo(1);
            assertThat(s.metric("kvasir_rejected_total", "reason", "never_fits")).isEqualTo(1);
            Await.until(Duration.ofSeconds(30), "memory is released", () -> s.server.engine().reservedKvBytes() == 0);
        }
    }

    @Test
    void theDefaultMaxTokensFitsTheMemoryLimit() throws Exception {
        // stories260K keeps 1,280 bytes of KV per token: 1 MiB holds 819 tokens of its 2,048-token window
        try (TestServer s = TestServer.start(TestServer.stories(), TestServer.config().withKvPrecision(dev.kvasir.core.kv.KvPrecision.F32).withMaxKvMemory(1 << 20))) {
            HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"ignore_eos\": true}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).at("/usage/total_tokens").asInt()).isEqualTo(819);
            HttpResponse<String> explicit = s.post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 2000}");
            assertThat(explicit.statusCode()).as(explicit.body()).isEqualTo(400);
        }
    }
}
