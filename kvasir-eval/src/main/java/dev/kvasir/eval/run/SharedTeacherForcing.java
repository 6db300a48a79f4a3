package dev.kvasir.eval.run;

import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.press.Press;
import dev.kvasir.eval.fidelity.FidelityMeter;
import dev.kvasir.eval.fidelity.FullCacheReference;
import dev.kvasir.eval.report.FidelityScores;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The fidelity task's counterpart of {@link SharedPrefill}: the prefix is prefilled once, in F32,
 * gathering every press's statistics; the full cache's next-token distributions over the
 * teacher-forced continuation are recorded once, and the full configuration is scored on that
 * same pass (its KL is computed, and is exactly 0: a second pass over an identical cache differs
 * by float rounding, 5e-11 nats observed, which would only measure noise at the price of a
 * pass); then each compressing configuration compresses its own copy of the prefilled cache (the
 * last one takes the original), teacher-forces the same continuation and is scored position by
 * position against the reference.
 *
 * <p>The reference is always the F32 full cache. With another KV precision (the generator's
 * options: f16, q8, ...), every configuration, the full cache included, compresses on the F32
 * prefill's statistics and is then stored at that precision ({@link Generator#compress}) before
 * its continuation is teacher-forced: the scores measure compression and storage together. (A
 * generation prefills a quantised prompt in F16, and an F16/BF16 one in itself; here the prefill
 * is F32 so that one reference serves every precision.)
 */
public final class SharedTeacherForcing {
    private SharedTeacherForcing() {}

    /**
     * What one configuration measured.
     *
     * @param compressed      the cache after the press (its report is null for the full cache)
     * @param fullCacheBytes  bytes of the prefix's uncompressed cache
     * @param prefillMs       the shared prefill's time
     * @param forcingMs       this configuration's teacher-forcing time
     */
    public record Outcome(SharedPrefill.Planned planned, FidelityScores scores, Generator.Compressed compressed, long fullCacheBytes,
                          int prefixTokens, double prefillMs, double forcingMs) {}

    @FunctionalInterface
    public interface Sink {
        void accept(Outcome outcome) throws IOException;
    }

    /**
     * @param prefix       the L tokens prefilled and compressed
     * @param continuation C + 1 tokens: all but the last are fed, each position scored on the token after it
     * @param buckets      position buckets of the per-position means
     */
    public static void run(Generator generator, int[] prefix, int[] continuation, int buckets, List<SharedPrefill.Planned> plans,
                           Sink onOutcome) throws IOException {
        if (continuation.length < 2) throw new IllegalArgumentException("a continuation needs at least 2 tokens, got " + continuation.length);
        int[] fed = Arrays.copyOf(continuation, continuation.length - 1);
        int[] targets = Arrays.copyOfRange(continuation, 1, continuation.length);
        Press[] presses = plans.stream().map(SharedPrefill.Planned::press).toArray(Press[]::new);
        Generator.Prefilled prefilled = generator.prefillFor(prefix, fed.length, KvPrecision.F32, presses);
        Generator.Options options = generator.options();
        boolean stored = options.precision() != KvPrecision.F32 || options.valuePrecision() != KvPrecision.F32;
        // the full cache's bytes at the precision measured
        long fullBytes = prefilled.cache().usedBytes() / (2L * KvPrecision.F32.bytesPerVector(prefilled.cache().headDim()))
                * (options.precision().bytesPerVector(prefilled.cache().headDim()) + options.valuePrecision().bytesPerVector(prefilled.cache().headDim()));

        FullCacheReference reference = new FullCacheReference(targets, generator.model().config().vocabularySize());
        FidelityMeter fullCache = new FidelityMeter(reference);
        int lastCompressing = -1;
        for (int i = 0; i < plans.size(); i++) if (plans.get(i).press() != null) lastCompressing = i;
        boolean fullPlanned = plans.stream().anyMatch(p -> p.press() == null);
        // the F32 reference runs on a copy whenever a configuration still needs the prefilled cache after it
        KvCache referenceCache = lastCompressing < 0 && !stored ? prefilled.cache() : prefilled.cache().copy();
        Generator.Compressed uncompressed = new Generator.Compressed(referenceCache, null);
        long t0 = System.nanoTime();
        generator.teacherForce(referenceCache, fed, (i, logits, offset) -> {
            reference.record(i, logits, offset);
            if (!stored) fullCache.accept(i, logits, offset);
        });
        double referenceMs = (System.nanoTime() - t0) / 1e6;
        if (stored && fullPlanned) {
            // the full cache at the precision measured: the prefilled F32 cache stored so, then forced like the others
            uncompressed = generator.compress(prefilled, lastCompressing >= 0, null, null);
            t0 = System.nanoTime();
            generator.teacherForce(uncompressed.cache(), fed, fullCache::accept);
            referenceMs = (System.nanoTime() - t0) / 1e6;
        }

        for (int i = 0; i < plans.size(); i++) {
            SharedPrefill.Planned p = plans.get(i);
            if (p.press() == null) {
                onOutcome.accept(new Outcome(p, fullCache.scores(buckets), uncompressed, fullBytes, prefix.length, prefilled.prefillMs(),
                        referenceMs));
                continue;
            }
            Generator.Compressed c = generator.compress(prefilled, i < lastCompressing, p.press(), p.configuration().budget().toBudget());
            FidelityMeter meter = new FidelityMeter(reference);
            long t1 = System.nanoTime();
            generator.teacherForce(c.cache(), fed, meter::accept);
            double forcingMs = (System.nanoTime() - t1) / 1e6;
            onOutcome.accept(new Outcome(p, meter.scores(buckets), c, fullBytes, prefix.length, prefilled.prefillMs(), forcingMs));
        }
    }
}
