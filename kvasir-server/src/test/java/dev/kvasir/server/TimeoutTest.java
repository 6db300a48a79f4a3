package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** --timeout cuts a long generation: the answer so far, finish_reason "length", counted as a timeout. */
class TimeoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKENS = 6000;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.smol(), TestServer.config().withTimeout(java.time.Duration.ofMillis(1500)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String request(boolean stream) {
        return "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + MAX_TOKENS + ", \"ignore_eos\": true, \"stream\": " + stream + "}";
    }

    @Test
    void aWholeAnswerIsCutWithFinishReasonLength() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = server.post("/v1/completions", request(false));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt()).isBetween(1, MAX_TOKENS - 1);
        assertThat(body.at("/choices/0/text").asText()).isNotEmpty();
        assertThat(seconds).isLessThan(10);
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
