package dev.kvasir.server;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** LangChain4j's OpenAI chat models, unchanged, against the real server. */
class LangChain4jTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.smol(), TestServer.config().withApiKey("lc4j-key"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void chat() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(server.baseUrl() + "/v1").apiKey("lc4j-key")
                .modelName("smollm2").maxTokens(12).temperature(0.0).timeout(Duration.ofSeconds(60)).maxRetries(0).build();
        ChatResponse r = model.chat(UserMessage.from("What is the capital of France?"));
        assertThat(r.aiMessage().text()).containsIgnoringCase("Paris");
        assertThat(r.tokenUsage().inputTokenCount()).isGreaterThan(10);
        assertThat(r.tokenUsage().outputTokenCount()).isBetween(1, 12);
    }

    @Test
    void streamingChat() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(server.baseUrl() + "/v1").apiKey("lc4j-key")
                .modelName("smollm2").maxTokens(12).temperature(0.0).timeout(Duration.ofSeconds(60)).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("What is the capital of France?", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertThat(partial.toString()).isNotBlank().isEqualTo(r.aiMessage().text());
    }
}
