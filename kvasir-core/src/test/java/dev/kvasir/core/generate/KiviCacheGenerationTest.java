package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KiviKeyStore;
import dev.kvasir.core.kv.KiviStore;
import dev.kvasir.core.kv.KiviValueStore;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.Presses;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generation through a KIVI cache with every family of press: prompt eviction (SnapKV), merging
 * (KVMerger), and decode-time eviction (H2O, StreamingLLM) from the quantised cache. Compression
 * selects and merges on the F16 prefill, then the kept slots are stored as KIVI with their
 * positions and masses exactly as compression left them.
 */
class KiviCacheGenerationTest {
    static final String PROMPT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. "
            + "One day, she saw a big red ball under a tree. She ran to the ball and kicked it high into the sky.";

    /** The prompt presses on the tiny model (heads of 8 values: the scalar kernels). */
    @ParameterizedTest
    @ValueSource(strings = {"snapkv", "kvmerger", "h2o", "streaming-llm"})
    void generatesWithEachPressFamilyAndStoresTheCompressedSlotsExactly(String method) {
        try (Model model = Model.load(TestResources.stories260k())) {
            int[] prompt = model.tokenizer().encode(PROMPT, true, false);
            // kvmerger with mass=true records how many tokens a merged slot stands for; the decode-time presses hold 48 slots
            Map<String, String> options = switch (method) {
                case "kvmerger" -> Map.of("mass", "true");
                case "h2o", "streaming-llm" -> Map.of("decode-max-tokens", "48");
                default -> Map.of();
            };
            Press press = Presses.create(method, options);
            Budget budget = Budget.fraction(0.5);
            Generator.Options base = Generator.Options.defaults().withThreads(2).withPress(press, budget);
            try (Generator f16 = new Generator(model, base.withPrecision(KvPrecision.F16));
                 Generator kivi = new Generator(model, base.withPrecision(KvPrecision.KIVI4))) {
                // one prefill (in F16, as a KIVI cache is staged), compressed twice: stored as F16 and as KIVI
                Generator.Prefilled p = kivi.prefillFor(prompt, 32, press);
                assertThat(p.cache().keyPrecision()).isEqualTo(KvPrecision.F16);
                KvCache reference = f16.compress(p, true, press, budget).cache();
                Generator.Compressed stored = kivi.compress(p, true, press, budget);
                KvCache cache = stored.cache();
                assertThat(cache.precisionLabel()).isEqualTo("kivi4");
                assertThat(stored.report().details()).containsEntry("stored_as", "kivi4");
                assertThat(stored.report().allocatedBytesAfter()).isEqualTo(cache.allocatedBytes());
                boolean merged = false;
                for (int l = 0; l < cache.layers(); l++) {
                    for (int h = 0; h < cache.kvHeads(); h++) {
                        HeadCache a = reference.head(l, h), b = cache.head(l, h);
                        assertThat(b.keys()).isInstanceOf(KiviKeyStore.class);
                        assertThat(b.values()).isInstanceOf(KiviValueStore.class);
                        assertThat(b.positions()).as("positions of layer %d head %d", l, h).containsExactly(a.positions());
                        for (int s = 0; s < a.size(); s++) {
                            assertThat(b.mass(s)).as("mass of layer %d head %d slot %d", l, h, s).isEqualTo(a.mass(s));
                            merged |= a.mass(s) > 1f;
                        }
                        assertNearlyEqual(a, b);
                    }
                }
                if (method.equals("kvmerger")) assertThat(merged).as("kvmerger merged some slots").isTrue();

                // and a whole generation with the press (decode-time presses evict from the KIVI cache)
                KvCache fresh = kivi.newCache(prompt.length);
                GenerationResult r = kivi.generate(GenerationRequest.of(prompt, 40, SamplingParams.greedy()).withIgnoreEos(true), fresh, t -> {});
                assertThat(r.tokens()).hasSize(40);
                assertThat(r.kv().details()).containsEntry("stored_as", "kivi4");
                assertThat(fresh.head(0, 0).keys()).isInstanceOf(KiviKeyStore.class);
                assertThat(r.kvBytes()).isEqualTo(fresh.usedBytes());
                if (method.equals("h2o") || method.equals("streaming-llm")) {
                    assertThat(stored.cache().head(0, 0).size() + 40).as("decode had to evict").isGreaterThan(48);
                    for (int l = 0; l < fresh.layers(); l++) {
                        for (int h = 0; h < fresh.kvHeads(); h++) {
                            assertThat(fresh.head(l, h).size()).as("%s layer %d head %d held at its cap", method, l, h).isEqualTo(48);
                        }
                    }
                }
            }
        }
    }

    /** Decode-time presses on a model whose heads are 64 values (the vector kernels), over more than one chunk of slots. */
    @ParameterizedTest
    @ValueSource(strings = {"h2o", "streaming-llm"})
    void decodeTimePressesEvictFromAKiviCacheOnSmolLm2(String method) {
        int cap = 96;
        try (Model model = Model.load(TestResources.defaultModel());
             Generator generator = new Generator(model, Generator.Options.defaults().withThreads(2).withPrecision(KvPrecision.KIVI2)
                     .withPress(Presses.create(method, Map.of("decode-max-tokens", String.valueOf(cap))), Budget.fraction(1.0)))) {
            int[] prompt = model.tokenizer().encode(LibraryApiExampleTest.STORY.repeat(2), true, false);
            assertThat(prompt.length).isGreaterThan(160);
            KvCache cache = generator.newCache(prompt.length);
            GenerationResult r = generator.generate(GenerationRequest.of(prompt, 40, SamplingParams.greedy()), cache, s -> {});
            assertThat(r.tokens().length).as("generated tokens").isGreaterThanOrEqualTo(8);
            assertThat(r.text()).isNotBlank();
            assertThat(cache.precisionLabel()).isEqualTo("kivi2");
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    HeadCache head = cache.head(l, h);
                    assertThat(head.size()).as("%s layer %d head %d", method, l, h).isEqualTo(cap);
                    assertThat(((KiviStore) head.keys()).residualSize()).isLessThan(KvPrecision.BLOCK);
                }
            }
        }
    }

    /** Each KIVI slot reads back within its quantisation step of the F16 slot it was stored from. */
    private static void assertNearlyEqual(HeadCache f16, HeadCache kivi) {
        int hd = f16.headDim();
        float[] a = new float[hd], b = new float[hd];
        KiviKeyStore keys = (KiviKeyStore) kivi.keys();
        for (int s = 0; s < f16.size(); s++) {
            f16.keys().get(s, a, 0);
            kivi.keys().get(s, b, 0);
            for (int d = 0; d < hd; d++) {
                float step = keys.inResidual(s) ? 0f : keys.scale(s, d) / 2 * 1.0001f + 1e-6f;
                assertThat(b[d]).as("key slot %d dim %d", s, d).isCloseTo(a[d], within(step));
            }
        }
    }
}
