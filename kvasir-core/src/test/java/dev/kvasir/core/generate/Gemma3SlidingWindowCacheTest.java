package dev.kvasir.core.generate;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.fetch.ModelRegistry;
import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.press.Presses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Gemma 3 270M's sliding-window layers in a compressible cache, on a prompt of 2,000 tokens (four
 * windows): every local layer holds at most its 512 slots, measured in the bytes its stores hold,
 * while the global layers hold the whole prompt; SnapKV at a budget of 0.35 compresses the global
 * layers to 35 % of the prompt and leaves the local layers alone, and the report names both.
 */
class Gemma3SlidingWindowCacheTest {
    static final int PROMPT_TOKENS = 2000, WINDOW = 512;
    static Model model;
    static int[] prompt;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.registeredModel(ModelRegistry.GEMMA3_270M));
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 40 * PROMPT_TOKENS; i++) {
            text.append("Record ").append(i).append(": the lighthouse keeper counted ").append(i * 7 % 101)
                    .append(" ships passing the northern cape before the storm. ");
        }
        int[] ids = model.tokenizer().encode(text.toString(), true, false);
        assertThat(ids.length).isGreaterThan(PROMPT_TOKENS);
        prompt = Arrays.copyOf(ids, PROMPT_TOKENS);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** Bytes of keys and values that {@code slots} slots of one head take, plus their positions: what a full ring allocates. */
    static long ringBytes(int slots) {
        return slots * (2L * 256 * Float.BYTES + Integer.BYTES);
    }

    @Test
    void localLayersHoldTheirWindowAndSnapKvCompressesTheGlobalLayersOnly() {
        Generator gen = new Generator(model, Generator.Options.defaults().withThreads(2).withPrecision(KvPrecision.F32));
        var press = Presses.create("snapkv");
        Generator.Prefilled prefilled = gen.prefillFor(prompt, 8, press);
        KvCache full = prefilled.cache();
        assertThat(full.localLayers()).containsExactly(0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16);
        assertThat(full.globalLayers()).containsExactly(5, 11, 17);
        for (int l = 0; l < full.layers(); l++) {
            HeadCache h = full.head(l, 0);
            if (full.isLocal(l)) {
                assertThat(h.size()).as("slots of local layer %d", l).isEqualTo(WINDOW);
                assertThat(h.bytes()).as("bytes held by local layer %d", l).isLessThanOrEqualTo(ringBytes(WINDOW));
                int[] positions = h.positions();
                Arrays.sort(positions);
                assertThat(positions[0]).isEqualTo(PROMPT_TOKENS - WINDOW);
                assertThat(positions[WINDOW - 1]).isEqualTo(PROMPT_TOKENS - 1);
            } else {
                assertThat(h.size()).as("slots of global layer %d", l).isEqualTo(PROMPT_TOKENS);
            }
        }

        Generator.Compressed c = gen.compress(prefilled, true, press, Budget.fraction(0.35));
        CompressionReport r = c.report();
        assertThat(r.skipped()).isNull();
        assertThat(r.keptPerLayer()).hasSize(3);
        assertThat(r.achievedFraction()).isCloseTo(0.35, within(0.005));
        assertThat(r.slidingLayers()).isNotNull();
        assertThat(r.slidingLayers().globalLayers()).containsExactly(5, 11, 17);
        assertThat(r.slidingLayers().window()).isEqualTo(WINDOW);
        assertThat(r.slidingLayers().slotsPerLayer()).containsOnly(WINDOW);
        KvCache kept = c.cache();
        // bytes are the whole cache's; the global layers' share of them is 35 % of what they held
        assertThat(r.bytesAfter()).isEqualTo(kept.usedBytes());
        assertThat(r.slidingLayers().bytes()).isEqualTo(15L * WINDOW * 2 * 256 * Float.BYTES);
        double globalShare = (double) (r.bytesAfter() - r.slidingLayers().bytes()) / (r.bytesBefore() - r.slidingLayers().bytes());
        assertThat(globalShare).isCloseTo(0.35, within(0.005));
        for (int l : kept.globalLayers()) {
            assertThat(kept.head(l, 0).size()).as("global layer %d", l).isCloseTo(700, within(2));
        }
        for (int l : kept.localLayers()) assertThat(kept.head(l, 0).size()).isEqualTo(WINDOW);

        // decoding on: the local rings stay at their window, the global layers grow by the new tokens
        // (the prefilled cache itself this time: compressed in place, then decoded on)
        GenerationResult g = gen.continueFrom(prefilled, false, press, Budget.fraction(0.35),
                GenerationRequest.of(prompt, 6, SamplingParams.greedy()).withIgnoreEos(true), s -> {});
        assertThat(g.tokens()).hasSize(6);
        KvCache after = prefilled.cache();
        assertThat(after.nextPosition()).isEqualTo(PROMPT_TOKENS + 5);
        for (int l : after.localLayers()) {
            assertThat(after.head(l, 0).size()).isEqualTo(WINDOW);
            assertThat(after.head(l, 0).bytes()).isLessThanOrEqualTo(ringBytes(WINDOW));
        }
        for (int l : after.globalLayers()) assertThat(after.head(l, 0).size()).isCloseTo(700 + 5, within(2));
    }

    /**
     * Keys in Q8 and values in Q4 (prefilled in F16, then re-stored): the local rings are quantised
     * too, the report's bytes are those of the stored cache, and decoding runs on the quantised
     * rings (each decode step overwrites a ring slot in the quantised stores) to the same first
     * token the F16 cache gives.
     */
    @Test
    void quantisedKeysAndValuesAreStoredInTheLocalRingsTooAndDecodeOnThem() {
        var press = Presses.create("snapkv");
        Generator quant = new Generator(model, Generator.Options.defaults().withThreads(2).withPrecisions(KvPrecision.Q8, KvPrecision.Q4));
        Generator.Prefilled prefilled = quant.prefillFor(prompt, 8, press);
        assertThat(prefilled.cache().precisionLabel()).isEqualTo("f16"); // the staging precision
        Generator.Compressed c = quant.compress(prefilled, true, press, Budget.fraction(0.35));
        KvCache kept = c.cache();
        assertThat(kept.precisionLabel()).isEqualTo("k=q8,v=q4");
        for (int l = 0; l < kept.layers(); l++) {
            assertThat(kept.head(l, 0).keys()).as("keys of layer %d", l).isInstanceOf(dev.kvasir.core.kv.Q8Store.class);
            assertThat(kept.head(l, 0).values()).as("values of layer %d", l).isInstanceOf(dev.kvasir.core.kv.Q4Store.class);
        }
        CompressionReport r = c.report();
        assertThat(r.details()).containsEntry("stored_as", "k=q8,v=q4");
        assertThat(r.bytesAfter()).isEqualTo(kept.usedBytes());
        // 256-value heads: Q8 keys 256 + 8 scales of 2 bytes, Q4 values 8 blocks of 18 bytes
        assertThat(r.slidingLayers().bytes()).isEqualTo(15L * WINDOW * ((256 + 16) + 8 * 18));

        GenerationRequest request = GenerationRequest.of(prompt, 3, SamplingParams.greedy()).withIgnoreEos(true);
        GenerationResult q = quant.continueFrom(prefilled, false, press, Budget.fraction(0.35), request, s -> {});
        KvCache after = prefilled.cache();
        for (int l : after.localLayers()) {
            assertThat(after.head(l, 0).size()).isEqualTo(WINDOW);
            assertThat(after.head(l, 0).keys()).isInstanceOf(dev.kvasir.core.kv.Q8Store.class);
        }
        Generator f16 = new Generator(model, Generator.Options.defaults().withThreads(2).withPrecision(KvPrecision.F16));
        GenerationResult h = f16.continueFrom(f16.prefillFor(prompt, 8, press), false, press, Budget.fraction(0.35), request, s -> {});
        assertThat(q.tokens()).hasSize(3);
        assertThat(q.tokens()[0]).isEqualTo(h.tokens()[0]);
    }
}
