package dev.kvasir.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Every refusal over raw HTTP: status, and the OpenAI error object naming the problem. */
class ErrorResponsesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] AUTH = {"Authorization", "Bearer secret"};
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.stories(), TestServer.config().withApiKey("secret").withMaxBody(64 * 1024));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Asserts the status and the error shape; returns the error object. */
    private static JsonNode error(HttpResponse<String> r, int status, String param, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code")).as(r.body()).isTrue();
        assertThat(e.get("type").asText()).isEqualTo(status >= 500 ? "server_error" : "invalid_request_error");
        assertThat(e.get("param").isNull() ? null : e.get("param").asText()).isEqualTo(param);
        assertThat(e.get("code").asText()).isEqualTo(code);
        return e;
    }

    private static HttpResponse<String> chat(String json) throws Exception {
        return server.post("/v1/chat/completions", json, AUTH);
    }

    private static HttpResponse<String> complete(String json) throws Exception {
        return server.post("/v1/completions", json, AUTH);
    }

    @Test
    void missingOrWrongApiKeyIs401() throws Exception {
        String ok = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
        assertThat(error(server.post("/v1/completions", ok), 401, null, "invalid_api_key").get("message").asText())
                .contains("didn't provide an API key");
        assertThat(error(server.post("/v1/completions", ok, "Authorization", "Bearer nope"), 401, null, "invalid_api_key")
                .get("message").asText()).contains("Incorrect API key");
        assertThat(error(server.get("/v1/models", "Authorization", "Basic c2VjcmV0"), 401, null, "invalid_api_key")
                .get("message").asText()).contains("Bearer");
        assertThat(complete(ok).statusCode()).isEqualTo(200);
        assertThat(server.get("/health").statusCode()).isEqualTo(200); // probes need no key
    }

    @Test
    void badJsonIs400() throws Exception {
        assertThat(error(chat("{\"messages\": [}"), 400, null, "invalid_json").get("message").asText()).contains("not valid JSON");
        assertThat(error(chat("[1, 2]"), 400, null, "invalid_request_body").get("message").asText()).contains("must be a JSON object");
        assertThat(error(chat(""), 400, null, "invalid_request_body").get("message").asText()).contains("empty");
        assertThat(error(chat("{\"messages\": []} trailing"), 400, null, "invalid_json").get("message").asText()).contains("not valid JSON");
    }

    @Test
    void fieldsOfTheWrongTypeAre400() throws Exception {
        assertThat(error(chat("{\"messages\": \"hi\"}"), 400, "messages", "invalid_type").get("message").asText())
                .isEqualTo("'messages' must be an array of messages, got a string");
        assertThat(error(chat("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": \"hot\"}"), 400, "temperature", "invalid_type")
                .get("message").asText()).isEqualTo("'temperature' must be a number, got a string");
        assertThat(error(chat("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2.5}"), 400, "max_tokens", "invalid_type")
                .get("message").asText()).contains("must be an integer");
        error(chat("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stream\": \"yes\"}"), 400, "stream", "invalid_type");
        error(chat("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": 5}"), 400, "stop", "invalid_type");
        error(chat("{\"messages\": [{\"role\": 3, \"content\": \"hi\"}]}"), 400, "messages[0].role", "invalid_type");
        error(chat("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"kv_compression\": \"snapkv\"}"), 400, "kv_compression", "invalid_type");
        error(complete("{\"prompt\": 42}"), 400, "prompt", "invalid_type");
        error(chat("{\"max_tokens\": 3}"), 400, "messages", "missing_required_parameter");
    }

    @Test
    void outOfRangeValuesAre400() throws Exception {
        String msg = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], ";
        assertThat(error(chat(msg + "\"temperature\": 3}"), 400, "temperature", "invalid_value").get("message").asText())
                .isEqualTo("'temperature' must be in [0, 2], got 3");
        error(chat(msg + "\"top_p\": 0}"), 400, "top_p", "invalid_value");
        error(chat(msg + "\"max_tokens\": 0}"), 400, "max_tokens", "invalid_value");
        assertThat(error(chat(msg + "\"n\": 2}"), 400, "n", "unsupported_value").get("message").asText()).contains("'n' must be 1");
        error(chat(msg + "\"presence_penalty\": 0.5}"), 400, "presence_penalty", "unsupported_parameter");
        assertThat(chat(msg + "\"n\": 1, \"presence_penalty\": 0, \"max_tokens\": 2}").statusCode()).isEqualTo(200);
    }

    @Test
    void promptLongerThanTheContextIs400() throws Exception {
        String longPrompt = "Once upon a time there was a dog. ".repeat(400); // ~4000 tokens > 2048
        assertThat(error(complete("{\"prompt\": \"" + longPrompt + "\"}"), 400, "prompt", "context_length_exceeded")
                .get("message").asText()).contains("maximum context length is 2048 tokens");
        assertThat(error(complete("{\"prompt\": \"Once\", \"max_tokens\": 5000}"), 400, "max_tokens", "context_length_exceeded")
                .get("message").asText()).contains("may be at most");
    }

    @Test
    void unknownCompressionMethodIs400() throws Exception {
        String m = error(complete("{\"prompt\": \"Once\", \"kv_compression\": {\"method\": \"zip\", \"budget\": 0.5}}"), 400,
                "kv_compression.method", "unknown_method").get("message").asText();
        assertThat(m).contains("unknown KV compression method 'zip'").contains("snapkv").contains("kvmerger");
        error(complete("{\"prompt\": \"Once\", \"kv_compression\": {\"budget\": 0.5}}"), 400, "kv_compression.method", "missing_required_parameter");
        error(complete("{\"prompt\": \"Once\", \"kv_compression\": {\"method\": \"snapkv\"}}"), 400, "kv_compression.budget", "missing_required_parameter");
        assertThat(error(complete("{\"prompt\": \"Once\", \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 0.5, \"options\": {\"windw\": 4}}}"),
                400, "kv_compression.options", "invalid_value").get("message").asText()).contains("windw");
    }

    @Test
    void budgetsOutsideZeroToOneAre400() throws Exception {
        for (String b : new String[] {"0", "1.5", "-0.2"}) {
            assertThat(error(complete("{\"prompt\": \"Once\", \"kv_compression\": {\"method\": \"snapkv\", \"budget\": " + b + "}}"), 400,
                    "kv_compression.budget", "invalid_value").get("message").asText()).contains("must be in (0, 1]");
        }
        error(complete("{\"prompt\": \"Once\", \"kv_compression\": {\"method\": \"snapkv\", \"budget\": \"half\"}}"), 400,
                "kv_compression.budget", "invalid_type");
        error(complete("{\"prompt\": \"Once\", \"kv_compression\": {\"method\": \"snapkv\", \"budget_tokens\": 0}}"), 400,
                "kv_compression.budget_tokens", "invalid_value");
        assertThat(complete("{\"prompt\": \"Once\", \"max_tokens\": 2, \"kv_compression\": {\"method\": \"snapkv\", \"budget\": 1}}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "{\"prompt\": \"" + "a".repeat(100 * 1024) + "\"}";
        assertThat(error(complete(big), 413, null, "request_too_large").get("message").asText()).contains("--max-body limit of 64.0 KiB");
    }

    @Test
    void unknownRoutesAndMethodsAreOpenAiErrors() throws Exception {
        error(server.get("/v1/nothing", AUTH), 404, null, "not_found");
        error(server.get("/v1/chat/completions", AUTH), 405, null, "method_not_allowed");
        error(server.get("/v1/models/gpt-4", AUTH), 404, null, "not_found");
    }

    @Test
    void errorsAreCounted() throws Exception {
        double before = server.metric("kvasir_errors_total", "code", "unknown_method");
        complete("{\"prompt\": \"Once\", \"kv_compression\": {\"method\": \"zip\", \"budget\": 0.5}}");
        assertThat(server.metric("kvasir_errors_total", "code", "unknown_method")).isEqualTo(before + 1);
        assertThat(server.metric("kvasir_requests_total", "endpoint", "completions", "status", "400")).isGreaterThanOrEqualTo(1);
    }
}
