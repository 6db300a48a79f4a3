package dev.kvasir.core.model;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.fetch.ModelRegistry;
import dev.kvasir.core.json.Json;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gemma 3 270M (the registry's {@code gemma3-270m}, fetched into the model cache when missing)
 * against an independent reference: {@code tools/golden/make_golden_gemma3.py}, a float64 numpy
 * forward written from Hugging Face's and llama.cpp's definitions, with the sliding window as a
 * mask over every position (no ring), and prompt ids from the {@code sentencepiece} library on the
 * GGUF vocabulary. For each case the tokenizer must give the golden ids, the greedy path must be
 * the golden one token for token, and the logits of the golden top-5 ids must agree within
 * {@link #TOLERANCE}. The {@code long} case has more prompt tokens than the window, so the local
 * layers' rings have dropped the start of the prompt when decoding begins.
 *
 * <p>Tolerance: float32 with another summation order against float64; measured at most 6.2e-5
 * over the three cases (story 1.3e-5, chat 6.2e-5, long 1.3e-5), and the smallest top-1/top-2 gap
 * of the golden paths is 0.058, so 1e-3, as in {@link GoldenTest}, catches any real error.
 */
class Gemma3GoldenTest {
    static final float TOLERANCE = 1e-3f;
    static Parallel par;

    @BeforeAll
    static void setUp() {
        par = new Parallel(2);
    }

    @AfterAll
    static void tearDown() {
        par.close();
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        Map<String, Object> golden = GoldenTest.read("gemma3-270m-q4_k_m.json");
        for (Object c : Json.asArray(golden.get("cases"), "cases")) {
            Map<String, Object> cs = Json.asObject(c, "case");
            out.add(Arguments.of(Json.asString(cs.get("name"), "name"), cs));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "gemma3-270m / {0}")
    @MethodSource("cases")
    void tokensAndGreedyPathMatchTheReference(String caseName, Map<String, Object> cs) {
        try (Model m = Model.load(TestResources.registeredModel(ModelRegistry.GEMMA3_270M))) {
            int[] prompt = GoldenTest.ints(cs.get("prompt_ids"));
            String text = Json.asString(cs.get("prompt"), "prompt");
            // the chat case's text holds <bos> itself; the others get the BOS the model adds
            boolean chat = caseName.equals("chat");
            assertThat(m.tokenizer().encode(text, !chat, true)).as("prompt ids of %s", caseName).containsExactly(prompt);
            // a chat turn ends generation at <end_of_turn> (106), a text at <eos> (1); the GGUF has no template, Gemma's is used
            assertThat(m.tokenizer().stopTokens()).contains(106, 1);
            assertThat(m.chatTemplate()).hasValueSatisfying(t -> assertThat(t).contains("<start_of_turn>"));

            LlamaModel llama = m.llama();
            int[] generated = GoldenTest.ints(cs.get("generated_ids"));
            List<Object> topIds = Json.asArray(cs.get("top_ids"), "top_ids");
            List<Object> topLogits = Json.asArray(cs.get("top_logits"), "top_logits");
            KvCache cache = llama.newCache(KvPrecision.F32, prompt.length + generated.length);
            InferenceState st = llama.newState(64);
            llama.forward(prompt, 0, prompt.length, cache, st, par, null, false);
            float worst = 0;
            for (int step = 0; step < generated.length; step++) {
                float[] logits = st.logits();
                int[] ids = GoldenTest.ints(topIds.get(step));
                float[] expected = GoldenTest.floats(topLogits.get(step));
                for (int r = 0; r < ids.length; r++) worst = Math.max(worst, Math.abs(logits[ids[r]] - expected[r]));
                assertThat(LlamaModelTest.argmax(logits)).as("greedy token at step %d", step).isEqualTo(generated[step]);
                if (step + 1 < generated.length) llama.forward(generated, step, 1, cache, st, par, null, false);
            }
            assertThat(worst).as("largest |logit - golden| over the top-5 ids of all steps").isLessThanOrEqualTo(TOLERANCE);
            System.out.printf("golden gemma3-270m/%s: %d prompt tokens, %d greedy tokens match, max logit error %.2e%n", caseName,
                    prompt.length, generated.length, worst);
        }
    }
}
