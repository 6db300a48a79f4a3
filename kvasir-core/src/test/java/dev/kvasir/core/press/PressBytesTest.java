package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static dev.kvasir.core.press.PressFixtures.randomStats;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bytes a report says the cache holds are the bytes the JVM allocated for it: the allocation
 * counter of the current thread (HotSpot's own accounting, object headers included) measured
 * around a deep copy of the compressed cache, which allocates the same stores (keys, values,
 * positions, masses, free capacity) once more, plus a few small objects per head.
 */
class PressBytesTest {
    static final int LAYERS = 2, KV_HEADS = 2, DIM = 8, TOKENS = 4096;
    /** Per head: the HeadCache and its two VectorStore objects, the array headers, and the 1-slot heads copy() replaces. */
    static final long OVERHEAD_PER_HEAD = 512;

    @ParameterizedTest(name = "{0} {1} at {2}")
    @CsvSource({"snapkv, F32, 0.35", "kvmerger:exact=true;mass=true;skip-layers=none, F32, 0.35", "kvmerger:exact=true;skip-layers=none, F16, 0.2", "h2o, BF16, 0.5", "full, F32, 1.0",
            "snapkv, Q8, 0.35", "h2o, Q4, 0.5", "kvmerger:exact=true;mass=true;skip-layers=none, Q8, 0.2"})
    void reportedBytesAreAllocatedBytes(String spec, KvPrecision precision, double fraction) {
        KvCache cache = cache(precision);
        SplittableRandom rnd = new SplittableRandom(5);
        AttentionStats stats = randomStats(rnd, KV_HEADS * 2, KV_HEADS, TOKENS, 32);
        CompressionReport r = Presses.parse(spec.replace(";", ",")).compressOrSkip(cache, l -> stats, Budget.fraction(fraction));

        assertThat(r.allocatedBytesAfter()).isEqualTo(cache.allocatedBytes());
        assertThat(r.bytesAfter()).isEqualTo(cache.totalSlots() * 2 * precision.bytesPerVector(DIM));
        long measured = allocatedByCopy(cache);
        long heads = (long) LAYERS * KV_HEADS;
        assertThat(measured).as("JVM allocation of a copy vs reported %d", r.allocatedBytesAfter())
                .isBetween(r.allocatedBytesAfter(), r.allocatedBytesAfter() + heads * OVERHEAD_PER_HEAD + 1024);
        // what is held covers more than the logical keys and values: positions (4 bytes a slot), the
        // headroom left for decoding, and the masses of merged slots
        long slotBytes = 2L * precision.bytesPerVector(DIM) + 4;
        long minimum = (cache.totalSlots() + (spec.equals("full") ? 0 : heads * 16)) * slotBytes;
        assertThat(r.allocatedBytesAfter()).isGreaterThanOrEqualTo(minimum + (spec.contains("mass=true") ? 4 * cache.totalSlots() : 0));
        if (!spec.equals("full")) assertThat(r.allocatedBytesAfter()).isLessThan(r.allocatedBytesBefore());
    }

    private static long allocatedByCopy(KvCache cache) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        cache.copy(); // warm up: class loading and the first calls allocate too
        long before = threads.getCurrentThreadAllocatedBytes();
        KvCache copy = cache.copy();
        long after = threads.getCurrentThreadAllocatedBytes();
        assertThat(copy.totalSlots()).isEqualTo(cache.totalSlots());
        return after - before;
    }

    private static KvCache cache(KvPrecision precision) {
        SplittableRandom rnd = new SplittableRandom(3);
        KvCache c = new KvCache(LAYERS, KV_HEADS, DIM, precision, TOKENS);
        float[] k = new float[DIM], v = new float[DIM];
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV_HEADS; h++) {
                for (int j = 0; j < TOKENS; j++) {
                    for (int i = 0; i < DIM; i++) {
                        k[i] = (float) rnd.nextGaussian();
                        v[i] = (float) rnd.nextGaussian();
                    }
                    c.head(l, h).append(k, 0, v, 0, j);
                }
            }
        }
        c.advance(TOKENS);
        return c;
    }
}
