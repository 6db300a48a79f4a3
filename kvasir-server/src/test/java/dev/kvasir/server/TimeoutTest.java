package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --timeout cuts a long generation: the answer so far, finish_reason "length", counted as a timeout.
 * No assertion measures time: the cut is shown by the token count and the reasons. The server is
 * warmed up before the cut requests so that its first token comes long before the 3 s deadline
 * even on a loaded machine (a cold first prefill under load once ate the whole 1.5 s it had).
 */
class TimeoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKENS = 6000;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.smol(), TestServer.config().withTimeout(java.time.Duration.ofSeconds(3)));
        warmUp();
    }

    /** One short request first, so the JIT and the mapped weights are warm before a deadline counts. */
    private static void warmUp() {
        try {
            assertThat(server.post("/v1/completions", request(false, 4)).statusCode()).isEqualTo(200);
        } catch (Exception e) {
            throw new IllegalStateException("warm-up request failed", e);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String request(boolean stream) {
        return request(stream, MAX_TOKENS);
    }

    private static String request(boolean stream, int maxTokens) {
        return "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens + ", \"ignore_eos\": true, \"stream\": " + stream + "}";
    }

    @Test
    void aWholeAnswerIsCutWithFinishReasonLength() throws Exception {
        HttpResponse<String> r = server.post("/v1/completions", request(false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        int generated = body.at("/usage/completion_tokens").asInt();
        assertThat(generated).isBetween(1, MAX_TOKENS - 1);
        assertThat(body.at("/choices/0/text").asText()).isNotEmpty();
        assertThat(server.metric("kvasir_cancelled_total", "reason", "timeout")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aStreamIsCutWithFinishReasonLength() throws Exception {
        HttpResponse<String> r = server.post("/v1/completions", request(true));
        assertThat(r.statusCode()).isEqualTo(200);
        String[] events = r.body().split("\n\n");
        assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
        JsonNode last = JSON.readTree(events[events.length - 2].substring("data: ".length()));
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(events.length).isLessThan(MAX_TOKENS);
    }
}
