package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.fetch.ModelRegistry;
import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KiviKeyStore;
import dev.kvasir.core.kv.KiviStore;
import dev.kvasir.core.kv.KiviValueStore;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Presses;
import org.junit.jupiter.api.Test;

/**
 * A KIVI cache on Gemma 3 270M, whose local layers are rings of 512 slots (sixteen key groups):
 * the prompt's rings are stored as KIVI after the F16 prefill, and every decoded token
 * overwrites a quantised ring slot, which re-enters the F16 window until 32 such slots form a new
 * group. The rings keep their 512 slots, in bounded memory, each slot reading back its own
 * position's key (the ring stays in order), and the text follows the F16 cache's.
 */
class Gemma3KiviRingTest {
    static final int PROMPT_TOKENS = 600, WINDOW = 512, REPLY = 48;

    @Test
    void kiviRingsDecodeByOverwritingQuantisedSlots() {
        try (Model model = Model.load(TestResources.registeredModel(ModelRegistry.GEMMA3_270M))) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; text.length() < 40 * PROMPT_TOKENS; i++) {
                text.append("Record ").append(i).append(": the lighthouse keeper counted ").append(i * 7 % 101)
                        .append(" ships passing the northern cape before the storm. ");
            }
            int[] prompt = Arrays.copyOf(model.tokenizer().encode(text.toString(), true, false), PROMPT_TOKENS);
            var press = Presses.create("snapkv");
            GenerationRequest request = GenerationRequest.of(prompt, REPLY, SamplingParams.greedy()).withIgnoreEos(true);
            try (Generator kivi = new Generator(model, Generator.Options.defaults().withThreads(2).withPrecision(KvPrecision.KIVI4));
                 Generator f16 = new Generator(model, Generator.Options.defaults().withThreads(2).withPrecision(KvPrecision.F16))) {
                Generator.Prefilled prefilled = kivi.prefillFor(prompt, REPLY, press);
                GenerationResult k = kivi.continueFrom(prefilled, false, press, Budget.fraction(0.35), request, s -> {});
                KvCache cache = prefilled.cache();
                assertThat(cache.precisionLabel()).isEqualTo("kivi4");
                assertThat(k.kv().details()).containsEntry("stored_as", "kivi4");
                for (int l : cache.localLayers()) {
                    HeadCache ring = cache.head(l, 0);
                    assertThat(ring.size()).isEqualTo(WINDOW);
                    assertThat(ring.keys()).isInstanceOf(KiviKeyStore.class);
                    assertThat(ring.values()).isInstanceOf(KiviValueStore.class);
                    KiviKeyStore keys = (KiviKeyStore) ring.keys();
                    assertThat(keys.liveGroups()).as("key groups of local layer %d", l).isBetween(WINDOW / 32 - 1, WINDOW / 32 + 1);
                    assertThat(((KiviStore) ring.keys()).residualSize()).isLessThan(32);
                    int[] positions = ring.positions();
                    Arrays.sort(positions);
                    int last = prompt.length + REPLY - 2; // the final sampled token is never fed back
                    assertThat(positions[0]).isEqualTo(last - WINDOW + 1);
                    assertThat(positions[WINDOW - 1]).isEqualTo(last);
                    // an F16 ring of 256-value heads holds 512 × (2 × 512 + 4) bytes; KIVI4 less than half of it, window and groups included
                    assertThat(ring.bytes()).as("bytes of local layer %d", l).isLessThan(WINDOW * (2L * 512 + 4) / 2);
                }
                GenerationResult h = f16.generate(request, s -> {});
                int same = 0;
                for (int i = 0; i < REPLY; i++) if (k.tokens()[i] == h.tokens()[i]) same++;
                assertThat(same).as("greedy tokens equal to the F16 cache's, of %d", REPLY).isGreaterThanOrEqualTo(REPLY / 2);
            }
        }
    }
}
