package dev.kvasir.server.engine;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.BatchDecodeState;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.model.LlamaModel;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PrefixReuse}'s claim, on SmolLM2 with the full cache: a prompt that continues a kept
 * conversation, reusing what {@link PromptCache} hands out and prefilled in {@link PrefixReuse#chunkEnd}
 * chunks, gets bit for bit the keys, values and next-token logits of a fresh prefill of the whole
 * prompt, the way the batch scheduler runs both (256-token chunks, batched decode steps). And why
 * the reply is not reused: the keys and values decode steps wrote differ from a prefill's.
 *
 * <p>The comparison runs after two warm-up rounds of the same work: while the JIT compiles the
 * kernels, interpreted and compiled code can differ in the last bit between any two computations,
 * reused or not (measured: in a fresh JVM, two fresh prefills of one 545-token prompt differed in
 * most slots from layer 0 on; from the second round on they were identical).
 */
class PrefixReuseTest {
    private static Model model;
    private static Parallel par;
    private static final String TEXT = "The history of the city begins with a small fishing village on the river. Over the centuries "
            + "merchants, scholars and artists arrived, building bridges, markets and libraries. ";
    private static final String NEXT = " Then the council met in the old library and argued, late into the night, about a new bridge"
            + " across the river, the cost of its stones, the trees of the market square and the songs of the harbour.";

    private static final int SECOND_PROMPT = 545;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.defaultModel());
        par = new Parallel(1);
    }

    @AfterAll
    static void close() {
        par.close();
        model.close();
    }

    /** What the scheduler does to a prompt from {@code start}: chunks ending where {@link PrefixReuse#chunkEnd} says. */
    private static void prefill(int[] prompt, int start, KvCache cache, InferenceState st) {
        for (int p = start; p < prompt.length; ) {
            int end = PrefixReuse.chunkEnd(p, prompt.length);
            model.llama().forward(prompt, p, end - p, cache, st, par, null, false);
            p = end;
        }
    }

    private static int argmax(float[] a, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (a[i] > a[best]) best = i;
        return best;
    }

    /** One turn and the next, as the server runs them; the outcome of the comparison. */
    private record Round(int reused, long differingSlots, boolean sameLogits, long decodedDiffering, long decodedSlots) {}

    private static Round round(int firstPromptTokens) {
        LlamaModel llama = model.llama();
        int vocab = model.config().vocabularySize();
        int[] p1 = Arrays.copyOf(model.tokenizer().encode(TEXT.repeat(12), true, false), firstPromptTokens);
        // turn 1: prefill, then 20 greedy tokens by batched decode steps (19 of them fed to the cache)
        KvCache first = llama.newCache(KvPrecision.DEFAULT, p1.length + 32);
        InferenceState st = llama.newState(BatchScheduler.PREFILL_CHUNK);
        prefill(p1, 0, first, st);
        int[] reply = new int[20];
        reply[0] = argmax(st.logits(), vocab);
        BatchDecodeState batch = new BatchDecodeState(model.config(), 4, 1);
        for (int i = 0; i + 1 < reply.length; i++) {
            llama.decodeBatch(new int[] {reply[i]}, new KvCache[] {first}, 1, batch, par);
            reply[i + 1] = argmax(batch.logits(), vocab);
        }
        // turn 2 continues the conversation to 545 tokens, past the next chunk boundary: its fresh prefill's chunks
        // are [0, 256), [256, 512), [512, 545); 256-token chunks from a reused 288 would leave a last one of one token
        int[] next = model.tokenizer().encode(NEXT.repeat(7), false, false);
        int[] p2 = new int[SECOND_PROMPT];
        System.arraycopy(p1, 0, p2, 0, p1.length);
        System.arraycopy(reply, 0, p2, p1.length, reply.length);
        System.arraycopy(next, 0, p2, p1.length + reply.length, SECOND_PROMPT - p1.length - reply.length);

        KvCache fresh = llama.newCache(KvPrecision.DEFAULT, p2.length);
        InferenceState freshState = llama.newState(BatchScheduler.PREFILL_CHUNK);
        prefill(p2, 0, fresh, freshState);

        long decodedDiffering = differingSlots(first, fresh, p1.length, first.nextPosition());
        long decodedSlots = (long) (first.nextPosition() - p1.length) * first.layers() * first.kvHeads();

        PromptCache kept = new PromptCache(1L << 30);
        int[] history = Arrays.copyOf(p1, p1.length + reply.length);
        System.arraycopy(reply, 0, history, p1.length, reply.length);
        kept.keep(CompressionSpec.NONE, history, p1.length, first, 0);
        PromptCache.Reuse reuse = kept.find(CompressionSpec.NONE, p2);
        assertThat(reuse).as("the continued conversation finds the kept one").isNotNull();
        KvCache reused = reuse.copy(p2.length - reuse.tokens());
        InferenceState reusedState = llama.newState(BatchScheduler.PREFILL_CHUNK);
        prefill(p2, reuse.tokens(), reused, reusedState);

        boolean sameLogits = Arrays.equals(Arrays.copyOf(freshState.logits(), vocab), Arrays.copyOf(reusedState.logits(), vocab));
        return new Round(reuse.tokens(), differingSlots(fresh, reused, 0, p2.length), sameLogits, decodedDiffering, decodedSlots);
    }

    /** Slots at positions [from, to) whose key or value differs in any bit between the two caches. */
    private static long differingSlots(KvCache a, KvCache b, int from, int to) {
        int hd = a.headDim();
        float[] x = new float[hd], y = new float[hd];
        long n = 0;
        for (int l = 0; l < a.layers(); l++) {
            for (int h = 0; h < a.kvHeads(); h++) {
                HeadCache ha = a.head(l, h), hb = b.head(l, h);
                assertThat(hb.size()).isGreaterThanOrEqualTo(to);
                for (int s = from; s < to; s++) {
                    assertThat(ha.position(s)).isEqualTo(s);
                    assertThat(hb.position(s)).isEqualTo(s);
                    ha.keys().get(s, x, 0);
                    hb.keys().get(s, y, 0);
                    boolean differs = !Arrays.equals(x, y);
                    ha.values().get(s, x, 0);
                    hb.values().get(s, y, 0);
                    if (differs || !Arrays.equals(x, y)) n++;
                }
            }
        }
        return n;
    }

    @Test
    void aContinuedFullCacheEqualsAFreshPrefillBitForBit() {
        // 291: the first prompt ends inside a tile of its second chunk; 258: its last chunk has two tokens (the
        // matrix-vector path), so only the first chunk is reusable
        for (int firstPrompt : new int[] {291, 258}) {
            Round r = null;
            for (int warm = 0; warm < 3; warm++) r = round(firstPrompt);
            assertThat(r.reused()).as("reused of a %d-token first prompt", firstPrompt).isEqualTo(PrefixReuse.exactPrefix(firstPrompt))
                    .isEqualTo(firstPrompt == 291 ? 288 : 256);
            assertThat(r.differingSlots()).as("slots differing from a fresh prefill (%d-token first prompt)", firstPrompt).isZero();
            assertThat(r.sameLogits()).as("next-token logits bit for bit (%d-token first prompt)", firstPrompt).isTrue();
            // why the reply is prefilled again: decode steps wrote other bits than a prefill does
            assertThat(r.decodedDiffering()).as("of %d decode-written slots", r.decodedSlots()).isGreaterThan(r.decodedSlots() / 2);
        }
    }
}
