package dev.kvasir.eval.run;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.generate.SamplingParams;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.task.PasskeyTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner's shortcut — prefill once with the union of every press's statistics, then
 * compress a copy per (method, budget) — must give exactly what running each configuration
 * alone gives: same tokens, same text, same compression report. Checked on stories260K with
 * short passkey prompts, in both query modes.
 */
class SharedPrefillTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.stories260k());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static List<Configuration> configurations() {
        List<Configuration> out = new ArrayList<>();
        out.add(new Configuration(new MethodSpec("full", Map.of()), BudgetSpec.FULL));
        for (String m : List.of("kvmerger", "h2o", "cam", "streaming-llm", "snapkv", "dynamickv")) {
            out.add(new Configuration(new MethodSpec(m, Map.of()), BudgetSpec.fraction(0.35)));
        }
        out.add(new Configuration(new MethodSpec("snapkv", Map.of("window", "8")), BudgetSpec.tokens(64)));
        out.add(new Configuration(new MethodSpec("pyramidkv", Map.of()), BudgetSpec.tokens(64)));
        out.add(new Configuration(new MethodSpec("dynamickv", Map.of()), BudgetSpec.tokens(48)));
        out.add(new Configuration(new MethodSpec("kvmerger", Map.of()), BudgetSpec.fraction(0.5)));
        return out;
    }

    @ParameterizedTest
    @EnumSource(QueryMode.class)
    void sharedPrefillEqualsSeparateRuns(QueryMode mode) throws Exception {
        TaskConfig cfg = TaskConfig.builder().tokenizer(model.tokenizer()).contextLengths(180, 300).depths(0.4).build();
        List<EvalSample> samples = new PasskeyTask().samples(cfg);
        PromptBuilder prompts = new PromptBuilder(model.tokenizer(), null, ChatMode.OFF, mode, 1024);
        Generator.Options opts = Generator.Options.defaults().withThreads(2);
        int maxNew = 10;
        for (EvalSample sample : samples) {
            PromptBuilder.Prompt prompt = prompts.build(sample);
            assertThat(prompt.afterCompression().length > 0).isEqualTo(mode == QueryMode.AGNOSTIC);
            List<SharedPrefill.Planned> plans = configurations().stream()
                    .map(c -> new SharedPrefill.Planned(c, c.method().newPress())).toList();
            List<SharedPrefill.Outcome> shared;
            try (Generator gen = new Generator(model, opts)) {
                shared = SharedPrefill.run(gen, prompt, maxNew, List.of(), plans, o -> {});
            }
            assertThat(shared).hasSize(plans.size());
            for (SharedPrefill.Outcome o : shared) {
                Configuration c = o.planned().configuration();
                GenerationResult alone;
                try (Generator gen = new Generator(model, opts.withPress(c.method().newPress(), c.budget().toBudget()))) {
                    alone = gen.generate(new GenerationRequest(prompt.prefill(), prompt.afterCompression(), maxNew,
                            SamplingParams.greedy(), List.of(), false), t -> {});
                }
                String what = sample.id() + " " + c.label() + " " + mode;
                assertThat(o.result().tokens()).as(what).containsExactly(alone.tokens());
                assertThat(o.result().text()).as(what).isEqualTo(alone.text());
                assertThat(o.result().kvBytes()).as(what).isEqualTo(alone.kvBytes());
                assertSameReport(what, o.result().kv(), alone.kv());
            }
        }
    }

    private static void assertSameReport(String what, CompressionReport shared, CompressionReport alone) {
        if (alone == null) {
            assertThat(shared).as(what).isNull();
            return;
        }
        assertThat(shared).as(what).isNotNull();
        assertThat(shared.achievedFraction()).as(what).isEqualTo(alone.achievedFraction());
        assertThat(shared.achievedFraction()).as(what + " compressed something").isLessThan(1.0);
        assertThat(shared.keptPerLayer()).as(what).containsExactly(alone.keptPerLayer());
        assertThat(shared.keptPerHead()).as(what).isDeepEqualTo(alone.keptPerHead());
        assertThat(shared.layerCompressionRatios()).as(what).containsExactly(alone.layerCompressionRatios());
        assertThat(shared.bytesAfter()).as(what).isEqualTo(alone.bytesAfter());
        assertThat(shared.details()).as(what).isEqualTo(alone.details());
    }
}
