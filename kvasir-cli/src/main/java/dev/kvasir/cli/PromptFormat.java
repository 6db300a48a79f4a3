package dev.kvasir.cli;

import dev.kvasir.chat.ChatMessage;
import dev.kvasir.chat.ChatTemplate;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.tokenizer.Tokenizer;

import java.util.List;

/** Turns user text into prompt tokens: plain (with BOS when the model wants one) or through the chat template. */
final class PromptFormat {
    private PromptFormat() {}

    static int[] plain(Model model, String text) {
        return plain(model, text, false);
    }

    /** With {@code special}, text spelling a special token (e.g. {@code <|im_start|>}) becomes that token. */
    static int[] plain(Model model, String text, boolean special) {
        Tokenizer tok = model.tokenizer();
        return tok.encode(text, tok.addBosByDefault(), special);
    }

    static ChatTemplate template(Model model) {
        Tokenizer tok = model.tokenizer();
        String bos = tok.bosToken() >= 0 ? tok.tokenString(tok.bosToken()) : "";
        String eos = tok.eosToken() >= 0 ? tok.tokenString(tok.eosToken()) : "";
        return ChatTemplate.of(model.chatTemplate().orElse(null), bos, eos);
    }

    /** Renders the conversation (ending with a generation prompt) and tokenizes it, special tokens parsed. */
    static int[] chat(Model model, List<ChatMessage> messages) {
        String rendered = template(model).render(messages, true);
        return model.tokenizer().encode(rendered, false, true);
    }
}
