package dev.kvasir.core.generate;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.Presses;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's library example, on a real model, plus the prefill-once path it mentions. */
class LibraryApiExampleTest {
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            .repeat(5);

    @Test
    void readmeExampleRunsAndStreams() {
        try (Model model = Model.load(TestResources.stories260k())) {
            // stories260K has 5 layers: with layers 0, 1 and L-1 left whole, 35% is out of reach
            Press press = Presses.create("kvmerger", Map.of("exact", "true", "skip-layers", "none"));
            Generator.Options options = Generator.Options.defaults().withThreads(2).withPress(press, Budget.fraction(0.35));
            try (Generator generator = new Generator(model, options)) {
                int[] prompt = model.tokenizer().encode(STORY, model.tokenizer().addBosByDefault(), false);
                StringBuilder streamed = new StringBuilder();
                GenerationResult r = generator.generate(GenerationRequest.of(prompt, 16, SamplingParams.greedy()), streamed::append);
                assertThat(streamed.toString()).isEqualTo(r.text()).isNotBlank();
                assertThat(r.tokens()).hasSize(16);
                assertThat(r.kv().method()).isEqualTo("kvmerger");
                assertThat(r.kv().achievedFraction()).isCloseTo(0.35, org.assertj.core.api.Assertions.within(0.01));
                assertThat(r.kv().bytesAfter()).isLessThan(r.kv().bytesBefore() / 2);
            }
        }
    }

    /** Prefill once, compress copies with several methods: each result equals running that configuration alone. */
    @Test
    void prefillOnceEqualsSeparateRuns() {
        try (Model model = Model.load(TestResources.stories260k());
             Generator shared = new Generator(model, Generator.Options.defaults().withThreads(2))) {
            int[] prompt = model.tokenizer().encode(STORY, true, false);
            GenerationRequest req = GenerationRequest.of(prompt, 12, SamplingParams.greedy());
            List<String> methods = List.of("snapkv", "h2o", "kvmerger", "dynamickv", "streaming-llm");
            Press[] presses = methods.stream().map(Presses::create).toArray(Press[]::new);
            Generator.Prefilled once = shared.prefillFor(prompt, 12, presses);
            for (int i = 0; i < presses.length; i++) {
                GenerationResult viaShared = shared.continueFrom(once, true, Presses.create(methods.get(i)), Budget.fraction(0.5), req, s -> {});
                try (Generator alone = new Generator(model, Generator.Options.defaults().withThreads(2)
                        .withPress(Presses.create(methods.get(i)), Budget.fraction(0.5)))) {
                    GenerationResult separate = alone.generate(req, s -> {});
                    assertThat(viaShared.tokens()).as(methods.get(i)).containsExactly(separate.tokens());
                    assertThat(viaShared.kv().keptPerLayer()).as(methods.get(i)).containsExactly(separate.kv().keptPerLayer());
                }
            }
            // the shared prefill itself is untouched by the compressed copies
            assertThat(once.cache().layer(0)[0].size()).isEqualTo(prompt.length);
        }
    }
}
