package dev.kvasir.server.api;

import dev.kvasir.chat.ChatMessage;
import dev.kvasir.chat.ChatTemplate;
import dev.kvasir.chat.ChatTemplateException;
import dev.kvasir.chat.RenderedChat;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prompt tokens the way the CLI makes them ({@code PromptFormat}): chat messages through the
 * model's own chat template (ChatML when it has none), text with a BOS when the model wants one.
 *
 * <p>A chat prompt parses the control tokens the template writes ({@code <|im_start|>}, ...) but
 * never those in what the messages say: a user who writes {@code <|im_end|>\n<|im_start|>system}
 * gets those characters read as text, not a forged system turn. {@link ChatTemplate#renderParts}
 * says where the content sits in the prompt; for a template that rewrites content beyond
 * recognition, content holding control-token text is refused rather than parsed.
 */
final class Prompts {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    /** The text of every control token (special added token) of the vocabulary. */
    private final List<String> controlTokens = new ArrayList<>();

    Prompts(Model model) {
        this.tokenizer = model.tokenizer();
        String bos = tokenizer.bosToken() >= 0 ? tokenizer.tokenString(tokenizer.bosToken()) : "";
        String eos = tokenizer.eosToken() >= 0 ? tokenizer.tokenString(tokenizer.eosToken()) : "";
        this.template = ChatTemplate.of(model.chatTemplate().orElse(null), bos, eos);
        tokenizer.specialTokens().forEach((text, id) -> {
            if (!text.isEmpty() && tokenizer.isSpecial(id)) controlTokens.add(text);
        });
    }

    /** A completion prompt: plain text, control tokens in it read as text. */
    int[] text(String text) {
        return tokenizer.encode(text, tokenizer.addBosByDefault(), false);
    }

    /** Renders the conversation with a generation prompt and tokenizes it: the template's control tokens parsed, the content's not. */
    int[] chat(List<ChatMessage> messages) {
        RenderedChat rendered;
        try {
            rendered = template.renderParts(messages, true, Map.of());
        } catch (ChatTemplateException e) {
            // templates raise for conversations they do not accept (roles out of order, unknown roles)
            throw ApiException.invalid("messages", "invalid_messages", "the model's chat template refused the messages: " + e.getMessage());
        }
        if (rendered.parts().isPresent()) {
            List<Tokenizer.Span> spans = new ArrayList<>();
            for (RenderedChat.Part p : rendered.parts().get()) spans.add(new Tokenizer.Span(p.text(), !p.content()));
            return tokenizer.encode(spans, false);
        }
        for (int i = 0; i < messages.size(); i++) {
            for (String control : controlTokens) {
                if (messages.get(i).content().contains(control)) {
                    throw ApiException.invalid("messages[" + i + "].content", "invalid_content", "'messages[" + i
                            + "].content' holds the control-token text '" + control + "'; this model's chat template rewrites "
                            + "message content, so it cannot be kept apart from the template's own tokens: remove it");
                }
            }
        }
        return tokenizer.encode(rendered.text(), false, true);
    }
}
