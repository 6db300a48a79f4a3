package dev.kvasir.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java SDK, unchanged, against the real server (SmolLM2 and its chat template). */
class OpenAiSdkTest {
    private static final String KEY = "sk-test-key";
    private static TestServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.smol(), TestServer.config().withApiKey(KEY));
        client = client(KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey(key)
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    private static ChatCompletionCreateParams.Builder capitalQuestion() {
        return ChatCompletionCreateParams.builder().model("smollm2")
                .addUserMessage("What is the capital of France?").maxCompletionTokens(12).temperature(0.0).seed(7);
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(capitalQuestion().build());
        assertThat(c.choices()).hasSize(1);
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.message().content()).hasValueSatisfying(t -> assertThat(t).containsIgnoringCase("Paris"));
        assertThat(choice.finishReason().asString()).isIn("stop", "length");
        CompletionUsage usage = c.usage().orElseThrow();
        assertThat(usage.promptTokens()).isGreaterThan(10);
        assertThat(usage.completionTokens()).isBetween(1L, 12L);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        assertThat(usage._additionalProperties().get("kv_cache_bytes").convert(Long.class)).isPositive();
    }

    @Test
    void streamingChatMatchesTheWholeAnswer() {
        String whole = client.chat().completions().create(capitalQuestion().build()).choices().getFirst().message().content().orElseThrow();
        ChatCompletionCreateParams params = capitalQuestion()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        StringBuilder text = new StringBuilder();
        List<String> finishReasons = new ArrayList<>();
        CompletionUsage usage = null;
        int chunks = 0;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                chunks++;
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().content().ifPresent(text::append);
                    ch.finishReason().ifPresent(f -> finishReasons.add(f.asString()));
                }
                if (chunk.usage().isPresent()) usage = chunk.usage().get();
            }
        }
        assertThat(chunks).isGreaterThan(3); // role chunk, several text chunks, finish, usage
        assertThat(text.toString()).isEqualTo(whole); // greedy: streaming and non-streaming agree
        assertThat(finishReasons).hasSize(1);
        assertThat(usage).isNotNull();
        assertThat(usage.completionTokens()).isBetween(1L, 12L);
    }

    @Test
    void completion() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("smollm2")
                .prompt("The three primary colours are").maxTokens(10).temperature(0.0).build());
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().getFirst().text()).isNotBlank();
        assertThat(c.usage().orElseThrow().completionTokens()).isBetween(1L, 10L);
    }

    @Test
    void streamingCompletion() {
        CompletionCreateParams params = CompletionCreateParams.builder().model("smollm2")
                .prompt("The three primary colours are").maxTokens(10).temperature(0.0).build();
        String whole = client.completions().create(params).choices().getFirst().text();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> text.append(ch.text())));
        }
        assertThat(text.toString()).isEqualTo(whole);
    }

    @Test
    void compressionThroughAnExtraBodyField() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("smollm2")
                .addUserMessage("Summarise: the quick brown fox jumps over the lazy dog. " .repeat(8)).maxCompletionTokens(4).temperature(0.0)
                .putAdditionalBodyProperty("kv_compression", JsonValue.from(Map.of("method", "snapkv", "budget", 0.35)))
                .build();
        CompletionUsage usage = client.chat().completions().create(params).usage().orElseThrow();
        Map<String, JsonValue> extra = usage._additionalProperties();
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) extra.get("kv_compression").convert(Map.class);
        assertThat(report).containsEntry("method", "snapkv");
        assertThat(((Number) report.get("bytes_kept")).longValue()).isLessThan(((Number) report.get("bytes_full")).longValue());
    }

    @Test
    void listsTheModel() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly("SmolLM2-135M-Instruct.Q4_1");
    }

    @Test
    void errorsAreTheSdksExceptions() {
        OpenAIClient wrongKey = client("sk-wrong");
        try {
            assertThatThrownBy(() -> wrongKey.chat().completions().create(capitalQuestion().build()))
                    .isInstanceOf(UnauthorizedException.class).hasMessageContaining("Incorrect API key");
        } finally {
            wrongKey.close();
        }
        assertThatThrownBy(() -> client.chat().completions().create(capitalQuestion().n(3).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("'n' must be 1");
    }
}
