package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvasir.core.press.Budget;
import dev.kvasir.server.engine.CompressionSpec;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-request {@code kv_compression}: a smaller {@code kv_cache_bytes} than the same request without, and the server default. */
class KvCompressionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT = "The history of the city begins with a small fishing village on the river. "
            + "Over the centuries merchants, scholars and artists arrived, building bridges, markets and libraries. ";

    private static JsonNode usage(TestServer s, String kvCompression) throws Exception {
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + TEXT.repeat(6) + " Summarise this.\"}], "
                + "\"max_tokens\": 8, \"temperature\": 0" + (kvCompression == null ? "" : ", \"kv_compression\": " + kvCompression) + "}";
        var r = s.post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("usage");
    }

    @Test
    void compressedRequestKeepsFewerKvBytes() throws Exception {
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config())) {
            JsonNode full = usage(s, null);
            JsonNode pressed = usage(s, "{\"method\": \"snapkv\", \"budget\": 0.35}");
            assertThat(pressed.get("prompt_tokens").asInt()).isEqualTo(full.get("prompt_tokens").asInt()).isGreaterThan(200);
            assertThat(pressed.get("kv_cache_bytes").asLong()).isLessThan(full.get("kv_cache_bytes").asLong() / 2);

            JsonNode fullReport = full.get("kv_compression");
            assertThat(fullReport.get("method").asText()).isEqualTo("none");
            assertThat(fullReport.get("budget_achieved").asDouble()).isEqualTo(1.0);
            assertThat(fullReport.get("bytes_kept_logical").asLong()).isEqualTo(fullReport.get("bytes_full").asLong());
            // held: the prompt and the reply's room, with positions
            assertThat(fullReport.get("bytes_kept").asLong()).isGreaterThan(fullReport.get("bytes_full").asLong());

            JsonNode report = pressed.get("kv_compression");
            assertThat(report.get("method").asText()).isEqualTo("snapkv");
            assertThat(report.get("budget_achieved").asDouble()).isBetween(0.30, 0.40);
            assertThat(report.get("bytes_full").asLong()).isEqualTo(fullReport.get("bytes_full").asLong());
            assertThat(report.get("label").asText()).isEqualTo("snapkv");
            assertThat(report.get("bytes_kept_logical").asLong()).isLessThan(report.get("bytes_full").asLong() * 4 / 10);
            // held: the kept slots with their positions and 16 free slots per head
            assertThat(report.get("bytes_kept").asLong()).isGreaterThan(report.get("bytes_kept_logical").asLong())
                    .isLessThan(report.get("bytes_full").asLong() * 45 / 100);

            // KVMerger at exactly the budget (exact=true, not the paper's fixed ε): the label says so, and no note
            JsonNode tokens = usage(s, "{\"method\": \"kvmerger\", \"budget_tokens\": 64, \"options\": {\"exact\": \"true\"}}");
            assertThat(tokens.get("kv_compression").get("method").asText()).isEqualTo("kvmerger");
            assertThat(tokens.get("kv_compression").get("label").asText()).isEqualTo("kvmerger:exact=true");
            assertThat(tokens.get("kv_compression").has("budget_note")).isFalse();
            // the paper's KVMerger is plain kvmerger; when its fixed ε misses the budget its note says why
            JsonNode paper = usage(s, "{\"method\": \"kvmerger\", \"budget_tokens\": 64, \"options\": {}}").get("kv_compression");
            assertThat(paper.get("label").asText()).isEqualTo("kvmerger");
            if (paper.has("budget_note")) assertThat(paper.get("budget_note").asText()).contains("exact=false", "data-dependent");
            JsonNode variant = usage(s, "{\"method\": \"kvmerger\", \"budget\": 0.5, \"options\": {\"heavy-score\": \"window\"}}");
            assertThat(variant.get("kv_compression").get("label").asText()).isEqualTo("kvmerger:heavy-score=window");
            assertThat(tokens.get("kv_cache_bytes").asLong()).isLessThan(full.get("kv_cache_bytes").asLong());
        }
    }

    @Test
    void anOutOfRangeOptionIsABadRequestNotANaN() throws Exception {
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config())) {
            var r = s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + TEXT.repeat(2) + "\"}], "
                    + "\"max_tokens\": 4, \"kv_compression\": {\"method\": \"kvmerger\", \"budget\": 0.5, \"options\": {\"sigma\": 1e-300}}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(r.body()).contains("option sigma=").contains("out of range").contains("kv_compression.options");
        }
    }

    @Test
    void serverDefaultAppliesUnlessTheRequestSaysOtherwise() throws Exception {
        CompressionSpec snap = CompressionSpec.of("snapkv", Budget.fraction(0.5), Map.of("window", "8"));
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config().withDefaultCompression(snap))) {
            assertThat(usage(s, null).get("kv_compression").get("method").asText()).isEqualTo("snapkv");
            assertThat(usage(s, null).get("kv_compression").get("label").asText()).isEqualTo("snapkv:window=8");
            assertThat(usage(s, "{\"method\": \"none\"}").get("kv_compression").get("method").asText()).isEqualTo("none");
            assertThat(usage(s, "{\"method\": \"h2o\", \"budget\": 0.5}").get("kv_compression").get("method").asText()).isEqualTo("h2o");
        }
    }
}
