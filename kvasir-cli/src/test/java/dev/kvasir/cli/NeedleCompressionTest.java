package dev.kvasir.cli;

import dev.kvasir.chat.ChatMessage;
import dev.kvasir.chat.ChatTemplate;
import dev.kvasir.core.TestResources;
import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.generate.SamplingParams;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.Presses;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Issue acceptance on the default model: a 4k-token needle-in-a-haystack prompt (Paul Graham
 * essays, KVCache-Factory's needle at 50% depth, the model's chat template, query-aware), full
 * cache vs compression at budget 0.5. The full-cache answer must survive SnapKV, DynamicKV and
 * KVMerger, and the compressed cache must hold about half the bytes.
 *
 * <p>KVMerger runs as Kvasir's variant, named explicitly: its protected heavy tokens come from the
 * attention of the last 32 queries ({@code heavy-score=window}). With heavy tokens by attention
 * accumulated over the whole prompt (plain {@code kvmerger}, methods.md's reading of the paper) the
 * needle is merged into its neighbours at this model's scale and the answer is lost ("eat pizza.";
 * see the class comment of {@code KvMerger}); the paper's method is not asserted here. The variant
 * keeps exactly half with {@code exact=true} (ε chosen per layer and head) and about half with the
 * paper's fixed ε = 0.75 (0.456 here), and the answer with both.
 */
class NeedleCompressionTest {
    static final String NEEDLE = "\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.\n";
    static final String ANSWER = "eat a sandwich and sit in Dolores Park";

    @Test
    void fullCacheAnswerSurvivesHalfBudget() throws Exception {
        // the essays' own sentences are the haystack this acceptance was set on: shared material only
        Path essays = TestResources.shared("data/haystack/paul_graham_essays");
        try (Model m = Model.load(TestResources.defaultModel()); Generator g = new Generator(m, Generator.Options.defaults().withThreads(2))) {
            int[] prompt = prompt(m, essays, 4000, 0.5);
            assertThat(prompt.length).isBetween(3900, 4100);
            GenerationRequest req = GenerationRequest.of(prompt, 16, SamplingParams.greedy());
            List<String> specs = List.of("snapkv", "dynamickv", "kvmerger:heavy-score=window,exact=true", "kvmerger:heavy-score=window");
            Press[] presses = specs.stream().map(Presses::parse).toArray(Press[]::new);
            Generator.Prefilled once = g.prefillFor(prompt, 16, presses);
            String full = g.continueFrom(once, true, null, null, req, s -> {}).text();
            assertThat(full).contains(ANSWER);
            for (String spec : specs) {
                GenerationResult r = g.continueFrom(once, true, Presses.parse(spec), Budget.fraction(0.5), req, s -> {});
                assertThat(r.text()).as(spec).contains(ANSWER);
                assertThat(r.kv().achievedFraction()).as(spec).isCloseTo(0.5, within(0.06));
                assertThat((double) r.kv().bytesAfter() / r.kv().bytesBefore()).as(spec).isCloseTo(0.5, within(0.06));
                assertThat(r.kv().compressMillis()).as(spec + ": compression vs prefill time").isLessThan(0.05 * once.prefillMs());
            }
        }
    }

    /** The chat-formatted needle prompt, about {@code tokens} long, needle at {@code depth} of the haystack. */
    static int[] prompt(Model m, Path essays, int tokens, double depth) throws Exception {
        StringBuilder hay = new StringBuilder();
        try (var files = Files.list(essays)) {
            for (Path p : files.sorted().toList()) hay.append(Files.readString(p)).append('\n');
        }
        int[] ids = m.tokenizer().encode(hay.toString(), false, false);
        String cut = m.tokenizer().decode(Arrays.copyOf(ids, tokens - 120));
        int at = cut.indexOf(". ", (int) (cut.length() * depth));
        at = at < 0 ? (int) (cut.length() * depth) : at + 1;
        String doc = cut.substring(0, at) + NEEDLE + cut.substring(at);
        String user = "This is a very long story book: <book> " + doc + " </book>.\n\n"
                + "Based on the content of the book, Question: What is the best thing to do in San Francisco?";
        String text = ChatTemplate.of(m.chatTemplate().orElse(null), "", "").render(List.of(new ChatMessage("user", user)), true)
                + "The best thing to do in San Francisco is";
        return m.tokenizer().encode(text, false, true);
    }
}
