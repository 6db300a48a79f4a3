package dev.kvasir.server;

import dev.kvasir.server.engine.InferenceEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Work stops when nobody waits for it: a client that leaves while its prompt is prefilled stops
 * the prefill at the next chunk boundary, and one that leaves while queued gives up its place
 * without ever being prefilled. Both free what they held at once.
 */
class BatchCancellationTest {
    /** Chunks of the batch scheduler's prefill (BatchScheduler.PREFILL_CHUNK). */
    private static final int CHUNK = 256;
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(TestServer.smol(), TestServer.config().withParallel(1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A chat request of about 2,400 prompt tokens: about ten prefill chunks. */
    private static String longRequest(boolean stream, int maxTokens) {
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < 160; i++) content.append("Line ").append(i).append(": the keeper wrote down the ship and the weather. ");
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"" + content + "\"}], \"max_tokens\": " + maxTokens
                + ", \"ignore_eos\": true, \"stream\": " + stream + "}";
    }

    @Test
    void clientLeavingDuringPrefillStopsItWithinAChunk() throws Exception {
        InferenceEngine engine = server.server.engine();
        long atLeave;
        try (RawStream client = new RawStream(server.server.port(), "/v1/chat/completions", longRequest(true, 8))) {
            Await.until(Duration.ofSeconds(60), "prefill is under way", () -> engine.prefilledTokens() >= CHUNK);
            assertThat(engine.batchDecoding()).isZero(); // still prefilling, not decoding
            atLeave = engine.prefilledTokens();
        }
        Await.until(Duration.ofSeconds(60), "the request is cancelled", () -> server.metric("kvasir_cancelled_total", "reason", "disconnect") == 1);
        Await.until(Duration.ofSeconds(5), "the slot is free", () -> engine.activeDecodes() == 0);
        assertThat(engine.reservedKvBytes()).isZero();
        assertThat(engine.liveKvBytes()).isZero();
        // the chunk running when the client left, and at most one begun before its departure was seen
        assertThat(engine.prefilledTokens() - atLeave).isLessThanOrEqualTo(2L * CHUNK);
        assertThat(engine.prefilledTokens()).isLessThan(2000);
        assertThat(server.metric("kvasir_generated_tokens_total")).isZero();
    }

    @Test
    void clientLeavingWhileQueuedFreesItsPlaceAndIsNeverPrefilled() throws Exception {
        InferenceEngine engine = server.server.engine();
        try (RawStream running = new RawStream(server.server.port(), "/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a long story.\"}], \"max_tokens\": 4000, \"ignore_eos\": true, \"stream\": true}")) {
            running.awaitEvents(3); // decoding: it holds the only slot
            long prefilledBefore = engine.prefilledTokens();
            try (RawStream queued = new RawStream(server.server.port(), "/v1/chat/completions", longRequest(false, 8))) {
                Await.until(Duration.ofSeconds(20), "the second request waits", () -> engine.queueLength() == 1);
            }
            Await.until(Duration.ofSeconds(10), "the queue empties", () -> engine.queueLength() == 0);
            assertThat(server.metric("kvasir_rejected_total", "reason", "client_gone")).isEqualTo(1);
            assertThat(engine.activeDecodes()).isEqualTo(1); // the first request still runs
            assertThat(engine.prefilledTokens()).isEqualTo(prefilledBefore);
        }
        Await.until(Duration.ofSeconds(30), "the first request is cancelled", () -> engine.activeDecodes() == 0);
        assertThat(engine.reservedKvBytes()).isZero();
    }

    @Test
    void timeoutIsEnforcedDuringPrefill() throws Exception {
        server.close();
        server = TestServer.start(TestServer.smol(), TestServer.config().withParallel(1).withTimeout(Duration.ofMillis(300)));
        InferenceEngine engine = server.server.engine();
        var r = server.post("/v1/chat/completions", longRequest(false, 8));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"finish_reason\":\"length\"");
        assertThat(server.metric("kvasir_cancelled_total", "reason", "timeout")).isEqualTo(1);
        assertThat(engine.prefilledTokens()).isLessThan(2000); // stopped before the whole prompt was read
        assertThat(server.metric("kvasir_generated_tokens_total")).isZero();
        assertThat(engine.reservedKvBytes()).isZero();
    }
}
