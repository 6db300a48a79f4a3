package dev.kvasir.core.model;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's forward pass against an independent scalar reference, and its batched prefill
 * against token-by-token decode, on the tiny real models from ../shared.
 */
class LlamaModelTest {
    static Model stories;
    static Model tinystories;
    static Parallel par;

    @BeforeAll
    static void load() {
        stories = Model.load(TestResources.stories260k());
        tinystories = Model.load(TestResources.tinystories656k());
        par = new Parallel(2);
    }

    @AfterAll
    static void close() {
        stories.close();
        tinystories.close();
        par.close();
    }

    static final int[] TOKENS = {1, 403, 407, 261, 378, 66, 11, 295, 270, 260, 335, 265, 301, 286, 13, 282, 284, 307, 261, 335};

    @Test
    void stories260kMatchesScalarReference() {
        assertMatchesReference(stories);
    }

    @Test
    void tinystoriesMatchesScalarReference() {
        assertMatchesReference(tinystories);
    }

    private static void assertMatchesReference(Model model) {
        LlamaModel llama = model.llama();
        ReferenceForward ref = new ReferenceForward(model.config(), llama.weights(), TOKENS.length);
        KvCache cache = llama.newCache(KvPrecision.F32, 4);
        InferenceState st = llama.newState(8);
        for (int t : TOKENS) {
            float[] expected = ref.step(t);
            llama.forward(new int[] {t}, 0, 1, cache, st, par, null, false);
            assertClose(st.logits(), expected, 2e-4f);
        }
        assertThat(cache.nextPosition()).isEqualTo(TOKENS.length);
        assertThat(cache.head(0, 0).positions()).containsExactly(range(TOKENS.length));
    }

    @Test
    void batchedPrefillEqualsTokenByTokenDecode() {
        for (Model model : new Model[] {stories, tinystories}) {
            LlamaModel llama = model.llama();
            KvCache one = llama.newCache(KvPrecision.F32, 4);
            InferenceState st1 = llama.newState(1);
            for (int i = 0; i < TOKENS.length; i++) llama.forward(TOKENS, i, 1, one, st1, par, null, false);
            KvCache batched = llama.newCache(KvPrecision.F32, 4);
            InferenceState st8 = llama.newState(8); // 20 tokens = chunks of 8, 8, 4
            llama.forward(TOKENS, 0, TOKENS.length, batched, st8, par, null, true);
            assertClose(st8.logits(), st1.logits(), 1e-4f);
            // every token's logits of the last chunk are there too
            float[] all = st8.allLogits();
            int vocab = model.config().vocabularySize();
            assertThat(Arrays.copyOfRange(all, 3 * vocab, 4 * vocab)).isEqualTo(st8.logits());
        }
    }

    @Test
    void sameInputsGiveBitIdenticalLogits() {
        LlamaModel llama = stories.llama();
        float[][] runs = new float[2][];
        for (int r = 0; r < 2; r++) {
            InferenceState st = llama.newState(16);
            llama.forward(TOKENS, 0, TOKENS.length, llama.newCache(KvPrecision.F32, 4), st, par, null, false);
            runs[r] = st.logits().clone();
        }
        assertThat(runs[1]).isEqualTo(runs[0]);
    }

    @Test
    void halfPrecisionCachesStayCloseToF32() {
        LlamaModel llama = stories.llama();
        InferenceState st = llama.newState(16);
        llama.forward(TOKENS, 0, TOKENS.length, llama.newCache(KvPrecision.F32, 4), st, par, null, false);
        float[] f32 = st.logits().clone();
        for (KvPrecision p : new KvPrecision[] {KvPrecision.F16, KvPrecision.BF16}) {
            llama.forward(TOKENS, 0, TOKENS.length, llama.newCache(p, 4), st, par, null, false);
            assertClose(st.logits(), f32, p == KvPrecision.F16 ? 0.02f : 0.15f);
            assertThat(argmax(st.logits())).isEqualTo(argmax(f32));
        }
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
        return best;
    }

    static void assertClose(float[] actual, float[] expected, float tol) {
        assertThat(actual).hasSameSizeAs(expected);
        float worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            float d = Math.abs(actual[i] - expected[i]) / Math.max(1f, Math.abs(expected[i]));
            if (d > worst) {
                worst = d;
                at = i;
            }
        }
        assertThat(worst).as("largest relative logit difference (at token %d)", at).isLessThanOrEqualTo(tol);
    }

    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }
}
