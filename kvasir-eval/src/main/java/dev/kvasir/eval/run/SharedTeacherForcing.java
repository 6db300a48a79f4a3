package dev.kvasir.eval.run;

import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.press.Press;
import dev.kvasir.eval.fidelity.FidelityMeter;
import dev.kvasir.eval.fidelity.FullCacheReference;
import dev.kvasir.eval.report.FidelityScores;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The fidelity task's counterpart of {@link SharedPrefill}: the prefix is prefilled once,
 * gathering every press's statistics; the full cache's next-token distributions over the
 * teacher-forced continuation are recorded once, and the full configuration is scored on that
 * same pass (its KL is computed, and is exactly 0: a second pass over an identical cache differs
 * by float rounding, 5e-11 nats observed, which would only measure noise at the price of a
 * pass); then each compressing configuration compresses its own copy of the prefilled cache (the
 * last one takes the original), teacher-forces the same continuation and is scored position by
 * position against the reference.
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
        Generator.Prefilled prefilled = generator.prefillFor(prefix, fed.length, presses);
        long fullBytes = prefilled.cache().usedBytes();

        FullCacheReference reference = new FullCacheReference(targets, generator.model().config().vocabularySize());
        FidelityMeter fullCache = new FidelityMeter(reference);
        int lastCompressing = -1;
        for (int i = 0; i < plans.size(); i++) if (plans.get(i).press() != null) lastCompressing = i;
        Generator.Compressed uncompressed = new Generator.Compressed(lastCompressing < 0 ? prefilled.cache() : prefilled.cache().copy(), null);
        long t0 = System.nanoTime();
        generator.teacherForce(uncompressed.cache(), fed, (i, logits, offset) -> {
            reference.record(i, logits, offset);
            fullCache.accept(i, logits, offset);
        });
        double referenceMs = (System.nanoTime() - t0) / 1e6;

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
