package dev.kvasir.server.engine;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store of kept conversations on stories260K caches: a request works on a copy (what it
 * appends never reaches the kept cache or another request), a compressed conversation is reused
 * only by a prompt that keeps its whole compressed stretch, compression settings do not mix, and
 * the memory it may hold is checked at start-up with the KV limit.
 */
class PromptCacheTest {
    private static Model model;
    private static Parallel par;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.stories260k());
        par = new Parallel(1);
    }

    @AfterAll
    static void close() {
        par.close();
        model.close();
    }

    private static int[] tokens(String text) {
        return model.tokenizer().encode(text, model.tokenizer().addBosByDefault(), false);
    }

    private static KvCache prefilled(int[] prompt) {
        KvCache cache = model.llama().newCache(KvPrecision.F32, prompt.length + 8);
        InferenceState st = model.llama().newState(BatchScheduler.PREFILL_CHUNK);
        model.llama().forward(prompt, 0, prompt.length, cache, st, par, null, false);
        return cache;
    }

    private static float[] key(KvCache c, int layer, int head, int slot) {
        float[] k = new float[c.headDim()];
        c.head(layer, head).keys().get(slot, k, 0);
        return k;
    }

    @Test
    void aRequestWorksOnACopyOfTheKeptCache() {
        int[] prompt = tokens("Once upon a time there was a little girl named Lily. She loved to play outside in the park with her dog.");
        int[] longer = tokens("Once upon a time there was a little girl named Lily. She loved to play outside in the park with her dog. "
                + "One day they found a big red ball.");
        KvCache cache = prefilled(prompt);
        KvCache before = cache.copy();
        PromptCache kept = new PromptCache(64L << 20);
        kept.keep(CompressionSpec.NONE, prompt, prompt.length, cache, 0);

        PromptCache.Reuse first = kept.find(CompressionSpec.NONE, longer);
        assertThat(first).isNotNull();
        assertThat(first.tokens()).isEqualTo(PrefixReuse.exactPrefix(prompt.length));
        KvCache mine = first.copy(longer.length - first.tokens());
        assertThat(mine.nextPosition()).isEqualTo(first.tokens());
        // the request appends its own tokens, and even overwrites a reused slot
        model.llama().forward(longer, first.tokens(), longer.length - first.tokens(), mine, model.llama().newState(64), par, null, false);
        mine.head(0, 0).set(0, new float[mine.headDim()], 0, new float[mine.headDim()], 0);

        KvCache other = kept.find(CompressionSpec.NONE, longer).copy(0);
        assertThat(other.nextPosition()).isEqualTo(first.tokens());
        for (int l = 0; l < other.layers(); l++) {
            for (int h = 0; h < other.kvHeads(); h++) {
                HeadCache head = other.head(l, h);
                assertThat(head.size()).isEqualTo(first.tokens());
                for (int s = 0; s < head.size(); s++) {
                    assertThat(head.position(s)).isEqualTo(s);
                    assertThat(key(other, l, h, s)).as("layer %d head %d slot %d", l, h, s).containsExactly(key(before, l, h, s));
                }
            }
        }
        assertThat(kept.hits()).isEqualTo(2);
        assertThat(kept.bytes()).isPositive().isLessThanOrEqualTo(64L << 20);
    }

    @Test
    void aCompressedConversationIsReusedOnlyByAPromptThatKeepsItsCompressedStretch() {
        CompressionSpec snap = CompressionSpec.of("snapkv", Budget.fraction(0.5), Map.of());
        int[] history = tokens("Once upon a time there was a little girl named Lily. She loved to play outside in the park with her dog.");
        int compressed = history.length - 6; // the prompt; the last six tokens stand for the reply
        KvCache cache = prefilled(history);
        // what a press leaves: every other slot of the prompt, then the reply's
        for (int l = 0; l < cache.layers(); l++) {
            for (HeadCache h : cache.layer(l)) {
                int[] keep = new int[h.size()];
                int n = 0;
                for (int s = 0; s < h.size(); s++) if (s >= compressed || s % 2 == 0) keep[n++] = s;
                h.retain(keep, n, 0);
            }
        }
        PromptCache kept = new PromptCache(64L << 20);
        kept.keep(snap, history, compressed, cache, compressed);

        int[] next = Arrays.copyOf(history, history.length + 3);
        next[history.length] = next[history.length + 1] = next[history.length + 2] = history[1];
        PromptCache.Reuse reuse = kept.find(snap, next);
        assertThat(reuse).isNotNull();
        assertThat(reuse.tokens()).as("everything kept, the reply included").isEqualTo(history.length);
        assertThat(reuse.compressedTokens()).isEqualTo(compressed);
        KvCache mine = reuse.copy(3);
        assertThat(mine.head(0, 0).size()).isEqualTo((compressed + 1) / 2 + 6);

        // a prompt that departs inside the compressed stretch is compressed afresh; so is another setting's
        int[] edited = history.clone();
        edited[compressed - 3] = history[1] == edited[compressed - 3] ? history[2] : history[1];
        assertThat(kept.find(snap, edited)).isNull();
        assertThat(kept.find(CompressionSpec.of("snapkv", Budget.fraction(0.35), Map.of()), next)).isNull();
        assertThat(kept.find(CompressionSpec.NONE, next)).isNull();
        // a prompt that departs in the reply reuses what precedes the departure
        int[] replyEdited = history.clone();
        replyEdited[history.length - 2] = history[history.length - 2] == history[1] ? history[2] : history[1];
        assertThat(kept.find(snap, replyEdited).tokens()).isEqualTo(history.length - 2);
        assertThat(kept.hits()).isEqualTo(2);
        assertThat(kept.misses()).isEqualTo(3);
    }

    @Test
    void theKeptMemoryIsCheckedWithTheKvLimitAtStartUp() {
        assertThatThrownBy(() -> new InferenceEngine(model, true, 2, 4, 1L << 20, 1, KvPrecision.F32, 64L << 30))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--max-kv-memory 1.0 MiB plus --prompt-cache-memory 64.00 GiB are").hasMessageContaining("more than this JVM can hold");
        try (InferenceEngine slots = new InferenceEngine(model, false, 2, 4, 1L << 20, 1, KvPrecision.F32, 1L << 20)) {
            assertThat(slots.promptCacheLimitBytes()).as("without batching nothing is kept").isZero();
        }
        try (InferenceEngine batching = new InferenceEngine(model, true, 2, 4, 1L << 20, 1, KvPrecision.F32, 1L << 20)) {
            assertThat(batching.promptCacheLimitBytes()).isEqualTo(1L << 20);
        }
    }
}
