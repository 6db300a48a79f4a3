package dev.kvasir.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that drops its connection mid-generation: the generation is cancelled (counted as
 * {@code kvasir_cancelled_total{reason="disconnect"}}), far fewer tokens than asked are generated,
 * and the KV accounting (reserved and used bytes, active decodes) returns to zero.
 */
class DisconnectTest {
    /** Long enough that the generation is surely still running when the client leaves. */
    private static final int MAX_TOKENS = 2000;
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(TestServer.smol(), TestServer.config().withParallel(1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String request(boolean stream) {
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a very long story.\"}], \"max_tokens\": " + MAX_TOKENS
                + ", \"ignore_eos\": true, \"stream\": " + stream + "}";
    }

    @Test
    void streamingClientThatDisconnectsCancelsItsGeneration() throws Exception {
        try (RawStream client = new RawStream(server.server.port(), "/v1/chat/completions", request(true))) {
            assertThat(client.statusLine()).contains("200");
            client.awaitEvents(5); // role chunk + a few tokens: decoding is under way
            assertThat(server.server.engine().reservedKvBytes()).isPositive();
            assertThat(server.server.engine().activeDecodes()).isEqualTo(1);
        }
        assertCancelledAndReleased();
    }

    @Test
    void nonStreamingClientThatDisconnectsCancelsItsGeneration() throws Exception {
        try (RawStream client = new RawStream(server.server.port(), "/v1/chat/completions", request(false))) {
            Await.until(Duration.ofSeconds(20), "decoding starts", () -> server.server.engine().liveKvBytes() > 0);
        }
        assertCancelledAndReleased();
    }

    private void assertCancelledAndReleased() throws Exception {
        Await.until(Duration.ofSeconds(30), "the generation is cancelled",
                () -> server.metric("kvasir_cancelled_total", "reason", "disconnect") == 1);
        Await.until(Duration.ofSeconds(5), "the slot is free", () -> server.metric("kvasir_active_decodes") == 0);
        assertThat(server.metric("kvasir_kv_reserved_bytes")).isZero();
        assertThat(server.metric("kvasir_kv_used_bytes")).isZero();
        assertThat(server.metric("kvasir_generated_tokens_total")).isLessThan(MAX_TOKENS);
        assertThat(server.metric("kvasir_requests_total", "endpoint", "chat_completions", "status", "499")).isEqualTo(1);
        // and the server still serves
        assertThat(server.post("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 2}").statusCode()).isEqualTo(200);
    }
}
