package dev.kvasir.server.api;

import dev.kvasir.chat.ChatMessage;
import dev.kvasir.chat.ChatTemplate;
import dev.kvasir.chat.ChatTemplateException;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.List;

/**
 * Prompt tokens the way the CLI makes them ({@code PromptFormat}): chat messages through the
 * model's own chat template (ChatML when it has none), text with a BOS when the model wants one.
 */
final class Prompts {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;

    Prompts(Model model) {
        this.tokenizer = model.tokenizer();
        String bos = tokenizer.bosToken() >= 0 ? tokenizer.tokenString(tokenizer.bosToken()) : "";
        String eos = tokenizer.eosToken() >= 0 ? tokenizer.tokenString(tokenizer.eosToken()) : "";
        this.template = ChatTemplate.of(model.chatTemplate().orElse(null), bos, eos);
    }

    int[] text(String text) {
        return tokenizer.encode(text, tokenizer.addBosByDefault(), false);
    }

    /** Renders the conversation with a generation prompt and tokenizes it, special tokens parsed. */
    int[] chat(List<ChatMessage> messages) {
        String rendered;
        try {
            rendered = template.render(messages, true);
        } catch (ChatTemplateException e) {
            // templates raise for conversations they do not accept (roles out of order, unknown roles)
            throw ApiException.invalid("messages", "invalid_messages", "the model's chat template refused the messages: " + e.getMessage());
        }
        return tokenizer.encode(rendered, false, true);
    }
}
