package dev.kvasir.eval.run;

import dev.kvasir.chat.ChatMessage;
import dev.kvasir.chat.ChatTemplate;
import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.text.MiddleTruncation;
import dev.kvasir.eval.text.TokenFitter;

import java.util.List;

/**
 * Turns a sample into the token ids the engine prefills, split where compression happens.
 *
 * <p>Plain prompts are {@code BOS? + context + question + answerPrefix}, exactly the reference
 * harness's text. Chat prompts put {@code context + question} (stripped at the ends, as the
 * sample's parts ask) in one user message rendered with the model's template and generation
 * prompt, then the stripped answer prefix after the assistant header. Query-aware prompts are
 * tokenised whole and compressed whole; query-agnostic prompts are split after the context, as
 * kvpress does: the compressed part ends with the document, the part appended after compression
 * starts with the question and holds the rest of the template.
 *
 * <p>A prompt that would not leave room for the sample's generation within {@code maxContext}
 * is cut in the middle of its context ({@link MiddleTruncation}), as LongBench does.
 */
public final class PromptBuilder {
    /** Splits the rendered template where the question starts; never tokenised. */
    private static final String MARK = "⟦kvasir:question⟧";

    /**
     * @param prefill          ids prefilled and then compressed
     * @param afterCompression ids appended after compression (empty in query-aware mode)
     * @param chat             whether the chat template was applied
     * @param truncated        whether the context was middle-truncated to fit
     */
    public record Prompt(int[] prefill, int[] afterCompression, boolean chat, boolean truncated) {
        public int totalTokens() {
            return prefill.length + afterCompression.length;
        }
    }

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final boolean modelHasTemplate;
    private final ChatMode chatMode;
    private final QueryMode queryMode;
    private final int maxContext;

    /**
     * @param templateSource the model's chat template, or null when it has none
     * @param maxContext     prompt plus generated tokens must fit in this many tokens
     */
    public PromptBuilder(Tokenizer tokenizer, String templateSource, ChatMode chatMode, QueryMode queryMode, int maxContext) {
        if (maxContext < 16) throw new IllegalArgumentException("the context limit is too small: " + maxContext);
        this.tokenizer = tokenizer;
        this.modelHasTemplate = templateSource != null && !templateSource.isBlank();
        this.chatMode = chatMode;
        this.queryMode = queryMode;
        this.maxContext = maxContext;
        String bos = tokenizer.bosToken() >= 0 ? tokenizer.tokenString(tokenizer.bosToken()) : "";
        String eos = tokenizer.eosToken() >= 0 ? tokenizer.tokenString(tokenizer.eosToken()) : "";
        this.template = chatMode == ChatMode.OFF ? null : ChatTemplate.of(templateSource, bos, eos);
    }

    public QueryMode queryMode() {
        return queryMode;
    }

    /** Whether this sample is rendered with the chat template. */
    public boolean usesChat(EvalSample sample) {
        if (!Boolean.TRUE.equals(sample.meta(EvalSample.CHAT_TEMPLATE, Boolean.TRUE))) return false;
        return switch (chatMode) {
            case AUTO -> modelHasTemplate;
            case ON -> true;
            case OFF -> false;
        };
    }

    /**
     * Tokens added around a plain prompt (template, BOS) for samples that use the chat template
     * when {@code chat}: what generated tasks should reserve so that whole prompts have their
     * target length.
     */
    public int overheadTokens(boolean chat) {
        if (!chat || template == null) return tokenizer.addBosByDefault() && tokenizer.bosToken() >= 0 ? 1 : 0;
        String rendered = template.render(List.of(ChatMessage.user("x")), true);
        return tokenizer.encode(rendered, false, true).length - tokenizer.encode("x", false, false).length;
    }

    /** The prompt for a sample, middle-truncated when it and its generation do not fit. */
    public Prompt build(EvalSample sample) {
        boolean chat = usesChat(sample);
        int limit = maxContext - sample.maxNewTokens();
        EvalSample current = sample;
        Prompt p = assemble(current, chat, false);
        // token counts are not additive across the template's seams: shrink until it fits
        for (int attempt = 0; p.totalTokens() > limit; attempt++) {
            if (attempt == 4) {
                throw new IllegalArgumentException(sample.id() + ": cannot fit the prompt in " + limit + " tokens ("
                        + p.totalTokens() + " after truncation)");
            }
            int target = TokenFitter.count(tokenizer, current.prompt()) - (p.totalTokens() - limit) - attempt;
            if (target <= 0) {
                throw new IllegalArgumentException(sample.id() + ": the context limit " + maxContext + " leaves no room for the prompt");
            }
            current = MiddleTruncation.fit(sample, tokenizer, target);
            p = assemble(current, chat, true);
        }
        return p;
    }

    private Prompt assemble(EvalSample s, boolean chat, boolean truncated) {
        if (!chat) {
            boolean bos = tokenizer.addBosByDefault();
            if (queryMode == QueryMode.AWARE) {
                return new Prompt(tokenizer.encode(s.prompt(), bos, false), new int[0], false, truncated);
            }
            return new Prompt(tokenizer.encode(s.context(), bos, false),
                    tokenizer.encode(s.question() + s.answerPrefix(), false, false), false, truncated);
        }
        String question = s.question().stripTrailing();
        String context = question.isEmpty() ? s.context().strip() : s.context().stripLeading();
        String rendered = template.render(List.of(ChatMessage.user(context + MARK + question)), true);
        int at = rendered.indexOf(MARK);
        if (at < 0 || rendered.indexOf(MARK, at + 1) >= 0) {
            throw new IllegalStateException("the chat template does not render the user message once, as given");
        }
        String head = rendered.substring(0, at);
        String tail = rendered.substring(at + MARK.length()) + s.answerPrefix().strip();
        if (queryMode == QueryMode.AWARE) {
            return new Prompt(tokenizer.encode(head + tail, false, true), new int[0], true, truncated);
        }
        return new Prompt(tokenizer.encode(head, false, true), tokenizer.encode(tail, false, true), true, truncated);
    }
}
