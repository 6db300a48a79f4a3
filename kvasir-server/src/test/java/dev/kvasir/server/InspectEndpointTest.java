package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /v1/kv/inspect over real HTTP on stories260K: shapes, what the presses kept and merged, refusals. */
class InspectEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] AUTH = {"Authorization", "Bearer secret"};
    private static final String STORY = "Once upon a time there was a little girl named Lily. She liked to play in the park with her dog. "
            + "One day she found a big red ball under a tree. ";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.stories(), TestServer.config().withApiKey("secret"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> inspect(String json) throws Exception {
        return server.post("/v1/kv/inspect", json, AUTH);
    }

    private static JsonNode ok(String json) throws Exception {
        HttpResponse<String> r = inspect(json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The kept positions of one (layer, head) from their (start, length) runs, checking the runs are ascending and disjoint. */
    static BitSet kept(JsonNode runs, int promptTokens) {
        BitSet s = new BitSet();
        int end = -1;
        for (int i = 0; i < runs.size(); i += 2) {
            int start = runs.get(i).asInt(), length = runs.get(i + 1).asInt();
            assertThat(start).as("runs ascending and apart").isGreaterThan(end);
            assertThat(length).isPositive();
            assertThat(start + length).isLessThanOrEqualTo(promptTokens);
            s.set(start, start + length);
            end = start + length;
        }
        return s;
    }

    @Test
    void snapKvKeepsItsBudgetInEveryHeadAndKvMergerMergesAdjacentChains() throws Exception {
        JsonNode r = ok("{\"prompt\": \"" + STORY.repeat(4) + "\", \"max_tokens\": 6, \"temperature\": 0, \"methods\": ["
                + "{\"method\": \"snapkv\", \"budget_tokens\": 24, \"options\": {\"window\": 8}},"
                + "{\"method\": \"kvmerger\", \"budget\": 0.5}]}");
        int t = r.get("prompt_tokens").asInt(), layers = r.get("layers").asInt(), heads = r.get("kv_heads").asInt();
        assertThat(t).isGreaterThan(100);
        assertThat(r.get("tokens")).hasSize(t);
        assertThat(r.get("tokens").get(1).get("text").asText()).isNotEmpty();
        assertThat(r.get("methods")).hasSize(2);

        JsonNode snap = r.get("methods").get(0);
        assertThat(snap.get("method").asText()).isEqualTo("snapkv");
        // the label names what ran: the option that departs from SnapKV's default, not the defaults
        assertThat(snap.get("label").asText()).isEqualTo("snapkv:window=8");
        assertThat(snap.get("budget").asText()).isEqualTo("tokens=24");
        assertThat(snap.get("kept")).hasSize(layers);
        for (int l = 0; l < layers; l++) {
            assertThat(snap.get("kept").get(l)).hasSize(heads);
            for (int h = 0; h < heads; h++) {
                BitSet kept = kept(snap.get("kept").get(l).get(h), t);
                assertThat(kept.cardinality()).isEqualTo(snap.get("kept_per_head").get(l).get(h).asInt()).isEqualTo(24);
                assertThat(kept.get(t - 8, t).cardinality()).as("SnapKV keeps its observation window").isEqualTo(8);
            }
        }
        assertThat(snap.get("merges")).isEmpty();
        assertThat(snap.get("bytes_after").asLong()).isLessThan(snap.get("bytes_before").asLong());
        assertThat(snap.get("bytes_before").asLong()).isEqualTo(r.get("bytes_full").asLong());
        assertThat(snap.get("answer").get("completion_tokens").asInt()).isBetween(1, 6);

        JsonNode merger = r.get("methods").get(1);
        assertThat(merger.get("method").asText()).isEqualTo("kvmerger");
        assertThat(merger.get("label").asText()).isEqualTo("kvmerger");
        assertThat(merger.get("merges")).isNotEmpty();
        // KVMerger (without exact=true) evicts nothing: every position is kept or absorbed exactly once,
        // and each merged set is a chain of adjacent tokens around its kept pivot
        BitSet[][] covered = new BitSet[layers][heads];
        for (int l = 0; l < layers; l++) for (int h = 0; h < heads; h++) covered[l][h] = kept(merger.get("kept").get(l).get(h), t);
        for (JsonNode g : merger.get("merges")) {
            int l = g.get("layer").asInt(), h = g.get("kv_head").asInt(), slot = g.get("slot").asInt();
            assertThat(covered[l][h].get(slot)).as("the merged slot is kept").isTrue();
            int lo = slot, hi = slot;
            for (JsonNode a : g.get("absorbed")) {
                int p = a.asInt();
                assertThat(covered[l][h].get(p)).as("position %d of layer %d head %d absorbed once and not kept", p, l, h).isFalse();
                covered[l][h].set(p);
                lo = Math.min(lo, p);
                hi = Math.max(hi, p);
            }
            assertThat(hi - lo + 1).as("a merged set is a run of adjacent tokens").isEqualTo(g.get("absorbed").size() + 1);
        }
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) assertThat(covered[l][h].cardinality()).as("layer %d head %d", l, h).isEqualTo(t);
        }
        assertThat(merger.get("answer").get("text").asText()).isNotNull();
    }

    @Test
    void dynamicKvMergeFoldsEvictedTokensIntoKeptNeighbours() throws Exception {
        JsonNode r = ok("{\"prompt\": \"" + STORY.repeat(4) + "\", \"methods\": [{\"method\": \"dynamickv-merge\", \"budget\": 0.3}]}");
        int t = r.get("prompt_tokens").asInt();
        JsonNode m = r.get("methods").get(0);
        assertThat(m.get("merges")).isNotEmpty();
        Set<String> absorbedOnce = new HashSet<>();
        for (JsonNode g : m.get("merges")) {
            int l = g.get("layer").asInt(), h = g.get("kv_head").asInt();
            BitSet kept = kept(m.get("kept").get(l).get(h), t);
            assertThat(kept.get(g.get("slot").asInt())).as("the merged slot is kept").isTrue();
            assertThat(g.get("absorbed")).isNotEmpty();
            for (JsonNode a : g.get("absorbed")) {
                assertThat(kept.get(a.asInt())).as("an absorbed token is evicted").isFalse();
                assertThat(absorbedOnce.add(l + "/" + h + "/" + a.asInt())).as("absorbed into one slot only").isTrue();
            }
        }
    }

    @Test
    void chatMessagesWithoutAnAnswer() throws Exception {
        JsonNode r = ok("{\"messages\": [{\"role\": \"user\", \"content\": \"" + STORY + "\"}],"
                + " \"methods\": [{\"method\": \"streaming-llm\", \"budget_tokens\": 16}]}");
        JsonNode m = r.get("methods").get(0);
        assertThat(m.has("answer")).isFalse();
        int t = r.get("prompt_tokens").asInt();
        for (JsonNode layer : m.get("kept")) {
            for (JsonNode runs : layer) {
                BitSet kept = kept(runs, t);
                assertThat(kept.cardinality()).isEqualTo(16);
                assertThat(kept.get(t - 8, t).cardinality()).as("StreamingLLM keeps the most recent tokens").isEqualTo(8);
            }
        }
    }

    private static JsonNode error(HttpResponse<String> r, int status, String param, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body().substring(0, Math.min(300, r.body().length()))).isEqualTo(status);
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e.get("param").isNull() ? null : e.get("param").asText()).as(r.body()).isEqualTo(param);
        assertThat(e.get("code").asText()).as(r.body()).isEqualTo(code);
        return e;
    }

    @Test
    void badRequestsAreRefusedNamingTheField() throws Exception {
        String snap = "{\"method\": \"snapkv\", \"budget\": 0.5}";
        assertThat(error(server.post("/v1/kv/inspect", "{\"prompt\": \"Once\", \"methods\": [" + snap + "]}"), 401, null, "invalid_api_key")
                .get("message").asText()).contains("API key");
        error(inspect("{\"prompt\": \"Once\"}"), 400, "methods", "missing_required_parameter");
        assertThat(error(inspect("{\"prompt\": \"Once\", \"methods\": [" + snap + "," + snap + "," + snap + "]}"), 400, "methods",
                "invalid_value").get("message").asText()).contains("1 or 2");
        error(inspect("{\"prompt\": \"Once\", \"methods\": [" + snap + ", {\"method\": \"snapkvv\", \"budget\": 0.5}]}"), 400,
                "methods[1].method", "unknown_method");
        error(inspect("{\"prompt\": \"Once\", \"methods\": [{\"method\": \"snapkv\"}]}"), 400, "methods[0].budget", "missing_required_parameter");
        error(inspect("{\"prompt\": \"Once\", \"methods\": [{\"method\": \"none\"}]}"), 400, "methods[0].method", "invalid_value");
        error(inspect("{\"prompt\": \"Once\", \"methods\": [\"snapkv\"]}"), 400, "methods[0]", "invalid_type");
        error(inspect("{\"prompt\": \"Once\", \"messages\": [], \"methods\": [" + snap + "]}"), 400, "prompt", "invalid_value");
        error(inspect("{\"prompt\": \"Once\", \"max_tokens\": -1, \"methods\": [" + snap + "]}"), 400, "max_tokens", "invalid_value");
        int context = JSON.readTree(server.get("/v1/models", AUTH).body()).get("data").get(0).get("context_length").asInt();
        String longPrompt = STORY.repeat(context / 40 + 1); // a STORY is under 50 tokens, over 40
        JsonNode tooLong = error(inspect("{\"prompt\": \"" + longPrompt + "\", \"methods\": [" + snap + "]}"), 400, "prompt",
                "prompt_too_long");
        assertThat(tooLong.get("message").asText()).contains("at most " + Math.min(context - 1, 8192));
    }

    @Test
    void thePageIsServedWithoutTheKeyItsApiCallsNeed() throws Exception {
        HttpResponse<String> page = server.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<script type=\"module\" src=\"/web/main.js\">");
        assertThat(server.get("/web/inspector.js").body()).contains("/v1/kv/inspect");
        error(server.get("/web/secret.txt"), 404, null, "not_found");
        error(server.get("/v1/models"), 401, null, "invalid_api_key");
        JsonNode models = JSON.readTree(server.get("/v1/models", AUTH).body());
        assertThat(models.get("data").get(0).get("kv_compression_methods")).extracting(JsonNode::asText).contains("none", "snapkv", "kvmerger");
    }

    @Test
    void admissionRefusesAnInspectionThatCanNeverFit() throws Exception {
        // stories260K holds 2·5 layers·4 heads·8 dims·4 bytes = 1280 bytes per token: 200 kB fit ~160 tokens, not 3 copies of 100
        try (TestServer small = TestServer.start(TestServer.stories(), TestServer.config().withMaxKvMemory(200_000))) {
            String body = "{\"prompt\": \"" + STORY.repeat(3) + "\", \"methods\": [{\"method\": \"snapkv\", \"budget\": 0.5},"
                    + " {\"method\": \"h2o\", \"budget\": 0.5}]}";
            JsonNode e = error(small.post("/v1/kv/inspect", body), 400, "max_tokens", "kv_memory_limit_exceeded");
            assertThat(e.get("message").asText()).contains("inspect one method");
        }
    }
}
