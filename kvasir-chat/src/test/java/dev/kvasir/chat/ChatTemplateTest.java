package dev.kvasir.chat;

import static dev.kvasir.chat.ChatTemplateReferenceTest.FIXED_CLOCK;
import static dev.kvasir.chat.ChatTemplateReferenceTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The API around rendering: fallback, errors, variables. Rendering fidelity is ChatTemplateReferenceTest's. */
class ChatTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(
            ChatMessage.system("Be brief."), ChatMessage.user("Hi!"), ChatMessage.assistant("Hello."), ChatMessage.user("Bye?"));

    @Test
    void smolLm2TemplateRendersTheChatMlPromptExactly() {
        ChatTemplate t = ChatTemplate.of(resource("/templates/smollm2.jinja"), "<|im_start|>", "<|im_end|>");
        assertThat(t.render(List.of(ChatMessage.user("What is 2+2?")), true)).isEqualTo("""
                <|im_start|>system
                You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
                <|im_start|>user
                What is 2+2?<|im_end|>
                <|im_start|>assistant
                """);
        assertThat(t.render(CHAT, false)).isEqualTo("""
                <|im_start|>system
                Be brief.<|im_end|>
                <|im_start|>user
                Hi!<|im_end|>
                <|im_start|>assistant
                Hello.<|im_end|>
                <|im_start|>user
                Bye?<|im_end|>
                """);
    }

    @Test
    void missingTemplateFallsBackToChatMl() {
        for (String none : new String[] {null, "", "  \n"}) {
            ChatTemplate t = ChatTemplate.of(none, "<s>", "</s>");
            assertThat(t.isFallback()).isTrue();
            assertThat(t.source()).isEqualTo(ChatTemplate.CHATML_SOURCE);
            assertThat(t.render(List.of(ChatMessage.user("Hi")), true))
                    .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        }
        assertThat(ChatTemplate.chatMl().render(List.of(ChatMessage.user("Hi")), false)).isEqualTo("<|im_start|>user\nHi<|im_end|>\n");
        assertThat(ChatTemplate.of("{{ bos_token }}", "<s>", null).isFallback()).isFalse();
    }

    @Test
    void raiseExceptionSurfacesTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.of(resource("/templates/mistral-style.jinja"), "<s>", "</s>");
        assertThat(t.render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), false)).isEqualTo("<s>[INST] a [/INST] b</s>");
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.raisedByTemplate()).isTrue())
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("a"), new ChatMessage("tool", "{}")), true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("Only user and assistant roles are supported!");
    }

    @Test
    void syntaxErrorsAreReportedWhenTheTemplateIsLoaded() {
        for (String broken : new String[] {"{% if true %}x", "{% endif %}", "{% unknowntag %}", "{{ messages[0", "{# open"}) {
            assertThatThrownBy(() -> ChatTemplate.of(broken, null, null))
                    .as(broken)
                    .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.raisedByTemplate()).isFalse())
                    .hasMessageStartingWith("chat template failed to parse");
        }
    }

    @Test
    void unsupportedConstructsFailInsteadOfRenderingSomethingElse() {
        List<ChatMessage> one = List.of(ChatMessage.user("x"));
        for (String src : new String[] {
                "{% for m in messages %}{% break %}{% endfor %}", "{{ 'a' * 3 }}", "{{ '%s' % 'a' }}", "{{ dict(a=1) }}",
                "{{ messages[::2] }}", "{% include 'other.jinja' %}", "{{ messages.getClass() }}"}) {
            assertThatThrownBy(() -> ChatTemplate.of(src, null, null).render(one, true))
                    .as(src)
                    .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.raisedByTemplate()).isFalse());
        }
    }

    @Test
    void variablesReachTheTemplateAndCallersCollectionsAreNotMutated() {
        ChatTemplate t = ChatTemplate.of(
                "{% set ns = namespace(n=0) %}{% for tool in tools %}{% set ns.n = ns.n + 1 %}{{ tool.name }};{% endfor %}"
                + "{% set extra = tools.append({'name': 'added'}) %}{{ tools|length }}|{{ date_string }}|{{ enable_thinking }}"
                + "|{{ bos_token }}{{ eos_token }}",
                "<s>", "</s>");
        List<Map<String, Object>> tools = List.of(Map.of("name", "get_weather"));
        String out = t.render(List.of(ChatMessage.user("x")), true,
                Map.of("tools", tools, "date_string", "26 Jul 2024", "enable_thinking", false, "eos_token", "<|eot|>"));
        assertThat(out).isEqualTo("get_weather;2|26 Jul 2024|False|<s><|eot|>");
        assertThat(tools).hasSize(1);
    }

    @Test
    void absentSpecialTokensAreUndefined() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token is defined }}|{{ eos_token is defined }}|{{ bos_token }}", null, "</s>");
        assertThat(t.render(List.of(), false)).isEqualTo("False|True|");
    }

    @Test
    void messagesAndAddGenerationPromptCannotBeOverridden() {
        ChatTemplate t = ChatTemplate.chatMl();
        assertThatThrownBy(() -> t.render(CHAT, true, Map.of("messages", List.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'messages'");
        assertThatThrownBy(() -> t.render(CHAT, true, Map.of("add_generation_prompt", false)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'add_generation_prompt'");
    }

    @Test
    void strftimeNowReadsTheClock() {
        ChatTemplate t = ChatTemplate.of("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%-d %B, %I:%M %p') }}", null, null)
                .withClock(FIXED_CLOCK);
        assertThat(t.render(List.of(), false)).isEqualTo("09 Mar 2025|9 March, 02:05 PM");
    }

    @Test
    void generationBlocksAreTransparent() {
        ChatTemplate t = ChatTemplate.of(
                "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}[{{ m.content }}]{% endgeneration %}"
                + "{% else %}{{ m.content }}{% endif %}{% endfor %}", null, null);
        assertThat(t.render(CHAT, false)).isEqualTo("Be brief.Hi![Hello.]Bye?");
    }

    @Test
    void messagesRejectNulls() {
        assertThatThrownBy(() -> new ChatMessage(null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new ChatMessage("user", null)).isInstanceOf(NullPointerException.class);
    }
}
