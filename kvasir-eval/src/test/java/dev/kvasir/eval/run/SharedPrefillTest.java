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
                shared = SharedPrefill.run(gen, prompt, maxNew, List.of(), plans, SharedPrefill.Decode.SERIAL, o -> {});
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

    /**
     * The batched decode (what {@code kvasir eval} runs): each configuration's tokens do not depend
     * on which others share its steps, its compression is the serial run's, and its tokens equal
     * the serial decode's (the two order their sums differently; this model's greedy choices have
     * clear margins).
     */
    @ParameterizedTest
    @EnumSource(QueryMode.class)
    void batchedDecodeEqualsEachConfigurationAloneAndTheSerialRun(QueryMode mode) throws Exception {
        TaskConfig cfg = TaskConfig.builder().tokenizer(model.tokenizer()).contextLengths(300).depths(0.4).build();
        PromptBuilder prompts = new PromptBuilder(model.tokenizer(), null, ChatMode.OFF, mode, 1024);
        Generator.Options opts = Generator.Options.defaults().withThreads(2);
        int maxNew = 12;
        for (EvalSample sample : new PasskeyTask().samples(cfg)) {
            PromptBuilder.Prompt prompt = prompts.build(sample);
            List<SharedPrefill.Outcome> batched;
            List<SharedPrefill.Outcome> serial;
            List<String> saved = new ArrayList<>();
            try (Generator gen = new Generator(model, opts)) {
                batched = SharedPrefill.run(gen, prompt, maxNew, List.of(), fresh(configurations()), SharedPrefill.Decode.BATCHED,
                        o -> saved.add(o.planned().configuration().label()));
                serial = SharedPrefill.run(gen, prompt, maxNew, List.of(), fresh(configurations()), SharedPrefill.Decode.SERIAL, o -> {});
            }
            assertThat(saved).as("every outcome reaches the sink, in order")
                    .containsExactlyElementsOf(configurations().stream().map(Configuration::label).toList());
            for (int i = 0; i < batched.size(); i++) {
                Configuration c = batched.get(i).planned().configuration();
                String what = sample.id() + " " + c.label() + " " + mode;
                GenerationResult together = batched.get(i).result();
                GenerationResult alone;
                try (Generator gen = new Generator(model, opts)) {
                    alone = SharedPrefill.run(gen, prompt, maxNew, List.of(), fresh(List.of(c)), SharedPrefill.Decode.BATCHED, o -> {})
                            .get(0).result();
                }
                assertThat(together.tokens()).as(what + ": batched with the others vs alone").containsExactly(alone.tokens());
                assertThat(together.tokens()).as(what + " generated something").isNotEmpty();
                assertThat(together.tokens()).as(what + ": batched vs serial").containsExactly(serial.get(i).result().tokens());
                assertThat(together.text()).as(what).isEqualTo(serial.get(i).result().text());
                assertThat(together.finishReason()).as(what).isEqualTo(serial.get(i).result().finishReason());
                assertThat(together.decodeSteps()).as(what).isEqualTo(serial.get(i).result().decodeSteps());
                assertThat(together.kvBytes()).as(what).isEqualTo(serial.get(i).result().kvBytes());
                assertSameReport(what, together.kv(), serial.get(i).result().kv());
            }
        }
    }

    private static List<SharedPrefill.Planned> fresh(List<Configuration> configurations) {
        return configurations.stream().map(c -> new SharedPrefill.Planned(c, c.method().newPress())).toList();
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
