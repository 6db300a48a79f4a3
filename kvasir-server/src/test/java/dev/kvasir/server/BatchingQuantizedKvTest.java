package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvasir.core.kv.KvPrecision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batching server with a quantised KV cache (q8 blocks, or KIVI's 2-bit codes): a sequence is
 * prefilled and compressed in F16, then stored quantised once and decoded in batched steps that
 * read the integers; batched requests give the text they give alone, and usage names the
 * precision and the bytes the cache held at the end.
 */
class BatchingQuantizedKvTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(value = KvPrecision.class, names = {"Q8", "KIVI2"})
    void quantisedBatchedRequestsGiveTheirAloneTextAndReportTheirPrecisionAndBytes(KvPrecision precision) throws Exception {
        try (TestServer server = TestServer.start(TestServer.stories(), TestServer.config().withParallel(4).withKvPrecision(precision))) {
            check(server, precision);
        }
    }

    private static void check(TestServer server, KvPrecision precision) throws Exception {
        String filler = " The little dog ran to the park and played with a red ball.".repeat(10);
        List<String> requests = List.of(
                "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"ignore_eos\": true}",
                "{\"prompt\": \"Tom had a big box." + filler + "\", \"max_tokens\": 40, \"temperature\": 0, \"ignore_eos\": true,"
                        + " \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 0.5}}",
                "{\"prompt\": \"Lily wanted a cat\", \"max_tokens\": 40, \"temperature\": 0.8, \"seed\": 9, \"ignore_eos\": true}");
        List<JsonNode> alone = new ArrayList<>();
        for (String r : requests) alone.add(body(server, r));
        for (JsonNode a : alone) {
            assertThat(a.at("/usage/kv_cache_precision").asText()).isEqualTo(precision.label());
            assertThat(a.at("/usage/kv_cache_bytes").asLong()).isPositive();
        }
        assertThat(alone.get(1).at("/usage/kv_compression/label").asText()).isEqualTo("snapkv");
        // the compressed long prompt holds more slots than the short one: its bytes say so
        assertThat(alone.get(1).at("/usage/kv_cache_bytes").asLong()).isGreaterThan(alone.get(0).at("/usage/kv_cache_bytes").asLong());

        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            List<Future<JsonNode>> together = new ArrayList<>();
            for (String r : requests) together.add(pool.submit(() -> body(server, r)));
            for (int i = 0; i < requests.size(); i++) {
                JsonNode t = together.get(i).get();
                assertThat(text(t)).as("request %d batched vs alone", i).isEqualTo(text(alone.get(i)));
                assertThat(t.at("/usage/kv_cache_bytes").asLong()).as("request %d", i).isEqualTo(alone.get(i).at("/usage/kv_cache_bytes").asLong());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.server.engine().reservedKvBytes()).isZero();
    }

    private static JsonNode body(TestServer server, String request) throws Exception {
        var r = server.post("/v1/completions", request);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String text(JsonNode body) {
        return body.get("choices").get(0).get("text").asText();
    }
}
