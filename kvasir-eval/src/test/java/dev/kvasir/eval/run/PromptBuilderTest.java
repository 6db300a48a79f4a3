package dev.kvasir.eval.run;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.EvalSample;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Prompt assembly: plain and chat, both query modes, and LongBench-style middle truncation. */
class PromptBuilderTest {
    private static Model model;
    private static Tokenizer tok;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.stories260k());
        tok = model.tokenizer();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static EvalSample sample(String context, Map<String, Object> meta) {
        return new EvalSample("s", context, "\nWhere did Lily go?", " Lily went to", List.of("park"), 8, "string_match_all", meta);
    }

    static final String STORY = "Once upon a time, there was a little girl named Lily. She went to the park with her mom.";

    @Test
    void plainPromptsAreTheHarnessTextSplitAfterTheContextWhenAgnostic() {
        EvalSample s = sample(STORY, Map.of());
        PromptBuilder.Prompt aware = new PromptBuilder(tok, null, ChatMode.OFF, QueryMode.AWARE, 512).build(s);
        assertThat(aware.afterCompression()).isEmpty();
        assertThat(aware.prefill()[0]).isEqualTo(tok.bosToken());
        assertThat(tok.decode(aware.prefill())).isEqualTo(s.prompt());

        PromptBuilder.Prompt agnostic = new PromptBuilder(tok, null, ChatMode.OFF, QueryMode.AGNOSTIC, 512).build(s);
        assertThat(tok.decode(agnostic.prefill())).isEqualTo(STORY);
        assertThat(agnostic.afterCompression()).isNotEmpty();
        assertThat(agnostic.chat()).isFalse();
    }

    @Test
    void chatPromptsPutContextAndQuestionInTheUserTurnAndTheAnswerPrefixAfterTheHeader() {
        EvalSample s = sample(STORY, Map.of());
        PromptBuilder aware = new PromptBuilder(tok, null, ChatMode.ON, QueryMode.AWARE, 512);
        PromptBuilder.Prompt p = aware.build(s);
        assertThat(p.chat()).isTrue();
        String text = tok.decode(p.prefill());
        assertThat(text).contains("<|im_start|>user\n" + STORY + "\nWhere did Lily go?<|im_end|>\n<|im_start|>assistant\nLily went to");

        PromptBuilder.Prompt split = new PromptBuilder(tok, null, ChatMode.ON, QueryMode.AGNOSTIC, 512).build(s);
        assertThat(tok.decode(split.prefill())).endsWith("<|im_start|>user\n" + STORY);
        assertThat(tok.decode(split.afterCompression())).startsWith("\nWhere did Lily go?<|im_end|>").endsWith("assistant\nLily went to");

        // LongBench's few-shot tasks opt out of the template
        EvalSample fewShot = sample(STORY, Map.of(EvalSample.CHAT_TEMPLATE, false));
        assertThat(aware.usesChat(fewShot)).isFalse();
        assertThat(aware.overheadTokens(true)).isGreaterThan(aware.overheadTokens(false));
        // AUTO follows the model: stories260K ships no template
        assertThat(new PromptBuilder(tok, null, ChatMode.AUTO, QueryMode.AWARE, 512).usesChat(s)).isFalse();
    }

    @Test
    void longContextsAreCutInTheMiddleKeepingInstructionsAndQuestion() {
        String context = "Read the story. " + STORY.repeat(40) + " The end.";
        EvalSample s = sample(context, Map.of());
        int limit = 200;
        for (QueryMode mode : QueryMode.values()) {
            PromptBuilder.Prompt p = new PromptBuilder(tok, null, ChatMode.OFF, mode, limit).build(s);
            assertThat(p.truncated()).isTrue();
            assertThat(p.totalTokens() + s.maxNewTokens()).isLessThanOrEqualTo(limit).isGreaterThan(limit - 12);
            String text = tok.decode(p.prefill()) + tok.decode(p.afterCompression());
            assertThat(text).startsWith("Read the story.").endsWith("The end.\nWhere did Lily go? Lily went to");
        }
        PromptBuilder.Prompt untouched = new PromptBuilder(tok, null, ChatMode.OFF, QueryMode.AWARE, 2048).build(s);
        assertThat(untouched.truncated()).isFalse();
    }
}
