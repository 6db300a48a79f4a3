package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Presses;

/**
 * Decode-time compression through the real engine and generator, on the default model: the
 * engine hands the press each step's attention rows (from the grouped decode attention, over a
 * prompt longer than one chunk of slots) and the cache stays at the press's cap while the model
 * keeps generating. The presses' own tests feed hand-made rows; this is the seam between them.
 */
class DecodePressEndToEndTest {
    @ParameterizedTest
    @ValueSource(strings = {"h2o", "tova", "streaming-llm"})
    void generationKeepsTheCacheAtTheDecodeCap(String method) {
        int cap = 96;
        try (Model model = Model.load(TestResources.defaultModel());
             Generator generator = new Generator(model, Generator.Options.defaults().withThreads(2)
                     .withPress(Presses.create(method, Map.of("decode-max-tokens", String.valueOf(cap))), Budget.fraction(1.0)))) {
            int[] prompt = model.tokenizer().encode(LibraryApiExampleTest.STORY.repeat(2), true, false);
            assertThat(prompt.length).as("prompt longer than one 128-slot chunk and than the cap").isGreaterThan(160);
            KvCache cache = generator.newCache(prompt.length + 48);
            GenerationResult r = generator.generate(GenerationRequest.of(prompt, 40, SamplingParams.greedy()), cache, s -> {});
            // greedy decoding may end at an end-of-sequence token; every step up to it ran the press
            assertThat(r.tokens().length).as("generated tokens").isGreaterThanOrEqualTo(8);
            assertThat(r.text()).isNotBlank();
            // the newest slot: the last token fed back (the final sampled token is fed only when it
            // was followed by an end-of-sequence token)
            int newest = prompt.length + r.tokens().length - 2;
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    assertThat(cache.head(l, h).size()).as("%s layer %d head %d", method, l, h).isEqualTo(cap);
                    int[] pos = cache.head(l, h).positions();
                    assertThat(pos[pos.length - 1]).as("the newest token stays").isBetween(newest, newest + 1);
                }
            }
        }
    }

    /**
     * The default cap, {@code decode-max-tokens=auto}: the prompt's per-head capacity after
     * compression (the paper's setting: H2O and StreamingLLM hold their budget while generating).
     * Nothing between compression and decoding may reset the decode rule, or the cache grows by
     * every generated token.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2o", "tova", "streaming-llm"})
    void theDefaultCapIsThePromptsBudget(String method) {
        try (Model model = Model.load(TestResources.defaultModel());
             Generator generator = new Generator(model, Generator.Options.defaults().withThreads(2)
                     .withPress(Presses.create(method), Budget.fraction(0.5)))) {
            int[] prompt = model.tokenizer().encode(LibraryApiExampleTest.STORY.repeat(2), true, false);
            int cap = Budget.fraction(0.5).capacity(prompt.length);
            KvCache cache = generator.newCache(prompt.length + 48);
            GenerationResult r = generator.generate(GenerationRequest.of(prompt, 40, SamplingParams.greedy()), cache, s -> {});
            assertThat(r.tokens().length).as("generated tokens").isGreaterThanOrEqualTo(8);
            assertThat(r.kv().keptPerLayer()[0]).as("compressed to the budget").isEqualTo(cap * cache.kvHeads());
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    assertThat(cache.head(l, h).size()).as("%s layer %d head %d", method, l, h).isEqualTo(cap);
                }
            }
        }
    }
}
