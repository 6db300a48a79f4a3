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
 * {@link LlamaModel#decodeBatch}: a sequence's logits do not depend on which other sequences
 * share its steps (bit for bit under {@code -Xint}, so batched generation gives the same text as
 * alone; within JIT noise otherwise), and they agree with the single-sequence forward pass up
 * to float rounding.
 */
class BatchDecodeTest {
    static Model model;
    static Parallel par;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.stories260k());
        par = new Parallel(2);
    }

    @AfterAll
    static void close() {
        model.close();
        par.close();
    }

    /** Three prompts of different lengths (so the heads hold different slot counts), each fed token by token. */
    static final int[][] PROMPTS = {
            {1, 403, 407, 261, 378, 66, 11, 295},
            {1, 270, 260, 335, 265, 301, 286, 13, 282, 284, 307, 261, 335},
            {1, 378, 66}};
    static final int[] NEXT = {261, 295, 13, 282, 307, 270};

    private static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
        return best;
    }

    @Test
    void sequenceLogitsDoNotDependOnTheBatch() {
        LlamaModel llama = model.llama();
        int vocab = model.config().vocabularySize();
        BatchDecodeState batchState = new BatchDecodeState(model.config(), 8, par.threads());
        BatchDecodeState aloneState = new BatchDecodeState(model.config(), 1, par.threads());
        KvCache[] together = new KvCache[PROMPTS.length];
        KvCache[] alone = new KvCache[PROMPTS.length];
        InferenceState prefill = llama.newState(16);
        for (int i = 0; i < PROMPTS.length; i++) {
            together[i] = llama.newCache(KvPrecision.F32, 4);
            alone[i] = llama.newCache(KvPrecision.F32, 4);
            llama.forward(PROMPTS[i], 0, PROMPTS[i].length, together[i], prefill, par, null, false);
            llama.forward(PROMPTS[i], 0, PROMPTS[i].length, alone[i], prefill, par, null, false);
        }
        InferenceState single = llama.newState(1);
        KvCache reference = llama.newCache(KvPrecision.F32, 4);
        llama.forward(PROMPTS[0], 0, PROMPTS[0].length, reference, prefill, par, null, false);
        int[] tokens = new int[PROMPTS.length];
        for (int step = 0; step < NEXT.length; step++) {
            // sequence 2 leaves after three steps: the batch shrinks from 3 to 2
            int count = step < 3 ? PROMPTS.length : 2;
            for (int i = 0; i < count; i++) tokens[i] = NEXT[(step + i) % NEXT.length];
            llama.decodeBatch(tokens, together, count, batchState, par);
            for (int i = 0; i < count; i++) {
                KvCache[] one = {alone[i]};
                llama.decodeBatch(new int[] {tokens[i]}, one, 1, aloneState, par);
                float[] batched = Arrays.copyOfRange(batchState.logits(), i * vocab, (i + 1) * vocab);
                float[] lone = Arrays.copyOfRange(aloneState.logits(), 0, vocab);
                // Bit for bit under -Xint; with the JIT, the vector exp of a compiled method and the
                // interpreter's differ in the last bit, so a compilation between the two calls shows.
                float maxDiff = 0;
                for (int v = 0; v < vocab; v++) maxDiff = Math.max(maxDiff, Math.abs(batched[v] - lone[v]));
                assertThat(maxDiff).as("step %d sequence %d", step, i).isLessThan(1e-4f);
                assertThat(argmax(batched)).isEqualTo(argmax(lone));
                assertThat(together[i].nextPosition()).isEqualTo(alone[i].nextPosition());
            }
            llama.forward(new int[] {tokens[0]}, 0, 1, reference, single, par, null, false);
            float[] batched0 = Arrays.copyOfRange(batchState.logits(), 0, vocab);
            for (int v = 0; v < vocab; v++) assertThat(batched0[v]).isCloseTo(single.logits()[v], org.assertj.core.data.Offset.offset(2e-3f));
        }
    }
}
