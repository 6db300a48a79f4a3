package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvasir.core.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Multi-turn reuse over HTTP on SmolLM2: a chat request whose messages extend an earlier
 * conversation continues that conversation's kept cache instead of prefilling the whole history,
 * reports the tokens it did not prefill as {@code usage.prompt_tokens_details.cached_tokens}, and
 * with the full cache answers exactly what a server that keeps nothing answers (greedy and seeded
 * sampling, whole and streamed). Compressed caches are continued without compressing again; the
 * memory bound evicts the least recently used conversation; another compression setting, or
 * {@code cache_prompt: false}, reuses nothing; an edited conversation reuses only what it shares.
 */
class MultiTurnReuseTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CITY = "The history of the city begins with a small fishing village on the river. "
            + "Over the centuries merchants, scholars and artists arrived, building bridges, markets and libraries. ";
    /** The reference: a server that keeps no conversation, so every request prefills its whole prompt. */
    private static TestServer fresh;

    @BeforeAll
    static void start() throws Exception {
        fresh = TestServer.start(TestServer.smol(), TestServer.config().withPromptCacheMemory(0));
        // JIT warm-up: while the kernels compile, interpreted and compiled code may differ in the last bit between
        // any two requests, reused or not (PrefixReuseTest); the comparisons below are about reuse
        chat(fresh, body(List.of(user(CITY.repeat(12))), 8));
    }

    @AfterAll
    static void stop() {
        fresh.close();
    }

    /** One message of a conversation. */
    private record Turn(String role, String content) {}

    private static Turn user(String content) { return new Turn("user", content); }

    private static Turn assistant(String content) { return new Turn("assistant", content); }

    private static List<Turn> plus(List<Turn> conversation, Turn... turns) {
        List<Turn> out = new ArrayList<>(conversation);
        out.addAll(Arrays.asList(turns));
        return out;
    }

    /** A greedy chat request of these messages. */
    private static ObjectNode body(List<Turn> messages, int maxTokens) {
        ObjectNode b = JSON.createObjectNode();
        ArrayNode m = b.putArray("messages");
        for (Turn t : messages) m.addObject().put("role", t.role()).put("content", t.content());
        b.put("max_tokens", maxTokens).put("temperature", 0);
        return b;
    }

    private static ObjectNode with(ObjectNode body, String json) throws Exception {
        ObjectNode b = body.deepCopy();
        b.setAll((ObjectNode) JSON.readTree(json));
        return b;
    }

    private static JsonNode chat(TestServer s, ObjectNode body) throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions", JSON.writeValueAsString(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String content(JsonNode response) {
        return response.get("choices").get(0).get("message").get("content").asText();
    }

    private static int promptTokens(JsonNode response) {
        return response.get("usage").get("prompt_tokens").asInt();
    }

    private static int cached(JsonNode response) {
        return response.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt();
    }

    /** A streamed chat request: the text of its deltas, and the usage of its last chunk. */
    private record Streamed(String text, JsonNode usage) {}

    private static Streamed stream(TestServer s, ObjectNode body) throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions",
                JSON.writeValueAsString(with(body, "{\"stream\": true, \"stream_options\": {\"include_usage\": true}}")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode chunk = JSON.readTree(line.substring(6));
            if (chunk.hasNonNull("usage")) usage = chunk.get("usage");
            if (chunk.get("choices").size() > 0) text.append(chunk.get("choices").get(0).get("delta").path("content").asText(""));
        }
        assertThat(usage).as("the usage chunk of %s", r.body()).isNotNull();
        return new Streamed(text.toString(), usage);
    }

    /** Tokens a full cache reuses: whole 8-token tiles of the kept prompt, at least 4 tokens left to prefill (PrefixReuse). */
    private static int fullCacheReuse(int commonPrefix, int keptPromptTokens, int promptTokens) {
        int exactlyKept = (keptPromptTokens - 1) / 8 * 8;
        return Math.min(Math.min(commonPrefix, exactlyKept), promptTokens - 4) / 8 * 8;
    }

    @Test
    void aContinuedChatAnswersWhatAFullPrefillAnswers() throws Exception {
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config())) {
            List<Turn> turn1 = List.of(user(CITY.repeat(6) + "Summarise this in one sentence."));
            JsonNode first = chat(s, body(turn1, 24));
            assertThat(cached(first)).as("nothing kept yet").isZero();
            List<Turn> turn2 = plus(turn1, assistant(content(first)), user("Now name three things the merchants built."));

            JsonNode continued = chat(s, body(turn2, 32));
            JsonNode reference = chat(fresh, body(turn2, 32));
            assertThat(content(continued)).isNotBlank().isEqualTo(content(reference));
            // the first turn's prompt in whole tiles; its last tokens and the reply were prefilled again
            int n1 = promptTokens(first);
            assertThat(cached(continued)).isEqualTo(fullCacheReuse(n1, n1, promptTokens(continued))).isEqualTo((n1 - 1) / 8 * 8);
            assertThat(cached(reference)).isZero();
            assertThat(promptTokens(continued)).isEqualTo(promptTokens(reference));

            // seeded sampling, streamed: the same prompt again continues the second turn's own cache
            ObjectNode seeded = with(body(turn2, 32), "{\"temperature\": 0.8, \"seed\": 7}");
            Streamed again = stream(s, seeded);
            assertThat(again.text()).isNotBlank().isEqualTo(content(chat(fresh, seeded)));
            int n2 = promptTokens(continued);
            assertThat(again.usage().get("prompt_tokens_details").get("cached_tokens").asInt()).isEqualTo(fullCacheReuse(n2, n2, n2));

            assertThat(s.metric("kvasir_prompt_cache_hits_total")).isEqualTo(2);
            assertThat(s.metric("kvasir_prompt_cache_misses_total")).isEqualTo(1);
            assertThat(s.metric("kvasir_prompt_cache_cached_tokens_total")).isEqualTo(cached(continued) + fullCacheReuse(n2, n2, n2));
            // each turn's cache superseded the one it extended
            assertThat(s.metric("kvasir_prompt_cache_entries")).isEqualTo(1);
            assertThat(s.metric("kvasir_prompt_cache_bytes")).isPositive().isLessThanOrEqualTo(s.metric("kvasir_prompt_cache_limit_bytes"));
            assertThat(fresh.metric("kvasir_prompt_cache_hits_total")).isZero();
        }
    }

    @Test
    void aCompressedConversationIsContinuedWithoutCompressingItAgain() throws Exception {
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config())) {
            for (String method : List.of("{\"method\": \"snapkv\", \"budget\": 0.35}", "{\"method\": \"h2o\", \"budget\": 0.5}")) {
                String compression = "{\"kv_compression\": " + method + "}";
                List<Turn> turn1 = List.of(user(CITY.repeat(6) + "Summarise this in one sentence."));
                JsonNode first = chat(s, with(body(turn1, 16), compression));
                int n1 = promptTokens(first);
                assertThat(n1).isGreaterThan(200);
                assertThat(cached(first)).isZero();
                List<Turn> turn2 = plus(turn1, assistant(content(first)), user("Which of them came first?"));

                JsonNode second = chat(s, with(body(turn2, 16), compression.replace("}}", "}, \"ignore_eos\": true}")));
                // the whole compressed prompt and what of the reply retokenizes the same; the new turn is prefilled
                assertThat(cached(second)).as(method).isGreaterThanOrEqualTo(n1).isLessThan(promptTokens(second));
                assertThat(second.get("usage").get("completion_tokens").asInt()).isEqualTo(16);
                JsonNode kv = second.get("usage").get("kv_compression");
                assertThat(kv.get("method").asText()).isEqualTo(method.contains("snapkv") ? "snapkv" : "h2o");
                assertThat(kv.get("budget_note").asText()).contains("compressed in an earlier turn", "appended whole");
                // more than the budget (the new turn is whole), far less than the full cache
                double budget = method.contains("snapkv") ? 0.35 : 0.5;
                assertThat(kv.get("budget_achieved").asDouble()).isGreaterThan(budget).isLessThan(0.8);
                assertThat(kv.get("bytes_kept_logical").asLong()).isLessThan(kv.get("bytes_full").asLong() * 8 / 10);
            }
        }
    }

    @Test
    void theLeastRecentlyUsedConversationIsEvictedUnderTheMemoryBound() throws Exception {
        List<Turn> a1 = List.of(user(CITY.repeat(6) + "Summarise this."));
        List<Turn> b1 = List.of(user(("Long ago a quiet town stood beside a lake in the hills. Farmers, weavers and potters came to "
                + "its market every week and sold bread, cloth and bowls. ").repeat(6) + "Summarise this."));
        long one;
        try (TestServer probe = TestServer.start(TestServer.smol(), TestServer.config())) {
            chat(probe, body(a1, 16));
            one = (long) probe.metric("kvasir_prompt_cache_bytes");
        }
        long limit = one * 3 / 2; // room for one of these conversations, not two
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config().withPromptCacheMemory(limit))) {
            JsonNode a = chat(s, body(a1, 16));
            JsonNode b = chat(s, body(b1, 16));
            assertThat(s.metric("kvasir_prompt_cache_evictions_total")).as("a evicted for b").isEqualTo(1);
            assertThat(s.metric("kvasir_prompt_cache_entries")).isEqualTo(1);

            JsonNode b2 = chat(s, body(plus(b1, assistant(content(b)), user("Say it again.")), 16));
            assertThat(cached(b2)).as("b was kept").isEqualTo((promptTokens(b) - 1) / 8 * 8);
            JsonNode a2 = chat(s, body(plus(a1, assistant(content(a)), user("Say it again.")), 16));
            // a was evicted: what it reuses is the chat template's system turn, which it shares with b
            assertThat(cached(a2)).as("a was evicted").isLessThan(32);
            assertThat(s.metric("kvasir_prompt_cache_bytes")).isPositive().isLessThanOrEqualTo(limit);
            assertThat(s.metric("kvasir_prompt_cache_limit_bytes")).isEqualTo(limit);
        }
    }

    @Test
    void anotherCompressionSettingOrCachePromptFalseReusesNothing() throws Exception {
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config())) {
            List<Turn> turn1 = List.of(user(CITY.repeat(5) + "What did the scholars build?"));
            JsonNode first = chat(s, body(turn1, 16));
            ObjectNode turn2 = body(plus(turn1, assistant(content(first)), user("And the artists?")), 16);
            assertThat(cached(chat(s, with(turn2, "{\"kv_compression\": {\"method\": \"snapkv\", \"budget\": 0.35}}")))).isZero();
            // the snapkv request kept its cache: another budget, or the full cache's kept one, is no match for it
            assertThat(cached(chat(s, with(turn2, "{\"kv_compression\": {\"method\": \"snapkv\", \"budget\": 0.5}}")))).isZero();
            assertThat(cached(chat(s, with(turn2, "{\"cache_prompt\": false}")))).isZero();
            assertThat(cached(chat(s, turn2))).as("the full cache's own conversation").isPositive();
        }
    }

    @Test
    void anEditedConversationReusesOnlyWhatItShares() throws Exception {
        try (TestServer s = TestServer.start(TestServer.smol(), TestServer.config())) {
            // a text prompt, whose tokens the test can count: exactly the common prefix, in whole tiles
            Tokenizer tok = TestServer.smol().tokenizer();
            String shared = CITY.repeat(5);
            String p1 = shared + "In the end the village became a port with ships from far away.";
            String p2 = shared + "But one winter the river froze, and nobody could sail for months.";
            HttpResponse<String> r1 = s.post("/v1/completions", "{\"prompt\": \"" + p1 + "\", \"max_tokens\": 8, \"temperature\": 0}");
            assertThat(r1.statusCode()).as(r1.body()).isEqualTo(200);
            String second = "{\"prompt\": \"" + p2 + "\", \"max_tokens\": 24, \"temperature\": 0}";
            HttpResponse<String> r2 = s.post("/v1/completions", second);
            assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
            int[] t1 = tok.encode(p1, tok.addBosByDefault(), false), t2 = tok.encode(p2, tok.addBosByDefault(), false);
            int common = Arrays.mismatch(t1, t2);
            assertThat(common).isLessThan(t1.length - 8);
            JsonNode edited = JSON.readTree(r2.body());
            assertThat(cached(edited)).isPositive().isEqualTo(fullCacheReuse(common, t1.length, t2.length));
            String alone = JSON.readTree(fresh.post("/v1/completions", second).body()).get("choices").get(0).get("text").asText();
            assertThat(edited.get("choices").get(0).get("text").asText()).isEqualTo(alone);

            // a chat whose first message is edited after two turns: only what precedes the edit is reused
            List<Turn> turn1 = List.of(user(CITY.repeat(6) + "Summarise this."));
            JsonNode first = chat(s, body(turn1, 16));
            List<Turn> turn2 = plus(turn1, assistant(content(first)), user("Name a building."));
            assertThat(cached(chat(s, body(turn2, 16)))).isPositive();
            List<Turn> rewritten = List.of(user(CITY.repeat(6) + "Describe the harbour instead."), assistant(content(first)),
                    user("Name a building."));
            JsonNode changed = chat(s, body(rewritten, 24));
            assertThat(cached(changed)).isPositive().isLessThan(promptTokens(first) - 4);
            assertThat(content(changed)).isEqualTo(content(chat(fresh, body(rewritten, 24))));
        }
    }
}
