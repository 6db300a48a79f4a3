package dev.kvasir.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvasir.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders real chat templates (SmolLM2's from its GGUF, Llama 3's and Qwen3's from their
 * tokenizer_config.json, the ChatML fallback, two hand-written ones exercising Python-isms, and
 * one-feature snippets) and compares with what transformers' apply_chat_template renders for the
 * same conversation: chat/expected.json, written by tools/chat/generate_expected.py.
 */
class ChatTemplateReferenceTest {
    /** The instant generate_expected.py pins strftime_now to (a naive 2025-03-09 14:05:00). */
    static final Clock FIXED_CLOCK = Clock.fixed(Instant.parse("2025-03-09T14:05:00Z"), ZoneOffset.UTC);

    @TestFactory
    Stream<DynamicTest> rendersLikeTransformers() {
        Map<String, Object> document = Json.asObject(Json.parse(resource("/chat/expected.json"), "expected.json"), "expected.json");
        List<Object> cases = Json.asArray(document.get("cases"), "cases");
        assertThat(cases).hasSizeGreaterThan(90);
        return cases.stream().map(c -> {
            Map<String, Object> tc = Json.asObject(c, "case");
            String name = Json.asString(tc.get("name"), "name");
            return DynamicTest.dynamicTest(name, () -> check(tc));
        });
    }

    private static void check(Map<String, Object> tc) {
        String bos = (String) tc.get("bos_token");
        String eos = (String) tc.get("eos_token");
        ChatTemplate template;
        if (tc.containsKey("source")) {
            template = ChatTemplate.of(Json.asString(tc.get("source"), "source"), bos, eos);
        } else {
            String templateName = Json.asString(tc.get("template"), "template");
            template = templateName.equals("chatml.jinja")
                    ? ChatTemplate.of(null, bos, eos)
                    : ChatTemplate.of(resource("/templates/" + templateName), bos, eos);
        }
        template = template.withClock(FIXED_CLOCK);
        List<ChatMessage> messages = new ArrayList<>();
        for (Object m : Json.asArray(tc.get("messages"), "messages")) {
            Map<String, Object> mm = Json.asObject(m, "message");
            messages.add(new ChatMessage(Json.asString(mm.get("role"), "role"), Json.asString(mm.get("content"), "content")));
        }
        boolean agp = Json.asBoolean(tc.get("add_generation_prompt"), "add_generation_prompt");
        Map<String, Object> variables = Json.asObject(tc.get("variables"), "variables");
        ChatTemplate t = template;
        if (tc.containsKey("error")) {
            assertThatThrownBy(() -> t.render(messages, agp, variables))
                    .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.raisedByTemplate()).isTrue())
                    .hasMessage(Json.asString(tc.get("error"), "error"));
        } else {
            assertThat(t.render(messages, agp, variables)).isEqualTo(Json.asString(tc.get("expected"), "expected"));
        }
    }

    static String resource(String path) {
        try (InputStream in = ChatTemplateReferenceTest.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing test resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
