package dev.kvasir.eval.report;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap confidence intervals of a mean (Efron and Tibshirani, "An Introduction
 * to the Bootstrap", 1993, §13.3): draw the samples with replacement {@code resamples} times,
 * take the mean of each draw, and report the 2.5th and 97.5th percentiles of those means.
 *
 * <p>Strata: the statistic may be a mean of per-stratum means (the mean over tasks of a
 * headline row); each stratum is then resampled within itself, so every draw has every task with
 * its own sample count. One stratum is the plain mean; a stratum of per-sample differences
 * between two methods is the paired comparison.
 *
 * <p>Reproducible: a fixed seed gives the same interval. Draw order (the contract the tests
 * re-implement): each stratum's values sorted ascending (so the interval depends on the values,
 * not on the order rows were read in: shards merged give the interval of one run); one
 * {@link SplittableRandom} seeded with {@code seed}; for each resample, for each stratum in
 * order, {@code n} indices from {@code nextInt(n)}. Percentiles interpolate
 * linearly between order statistics at {@code p·(R−1)} (NumPy's default).
 */
public final class Bootstrap {
    private Bootstrap() {}

    /** The seed every report uses, so that re-running a report gives the same intervals. */
    public static final long SEED = 20_240_708L;
    public static final int RESAMPLES = 10_000;
    public static final double LEVEL = 0.95;

    /**
     * A mean and its confidence interval.
     *
     * @param n samples (over all strata)
     */
    public record Interval(double estimate, double low, double high, int n) {
        public static final Interval NONE = new Interval(Double.NaN, Double.NaN, Double.NaN, 0);

        /** Whether the interval lies wholly above or wholly below zero. */
        public boolean excludesZero() {
            return low > 0 || high < 0;
        }

        public Interval scaled(double factor) {
            return factor >= 0 ? new Interval(estimate * factor, low * factor, high * factor, n)
                    : new Interval(estimate * factor, high * factor, low * factor, n);
        }
    }

    /** The mean of {@code values} with its 95 % interval ({@link #SEED}, {@link #RESAMPLES}). */
    public static Interval mean(double[] values) {
        return meanOfStrata(new double[][] {values}, SEED, RESAMPLES);
    }

    /** The mean over strata of each stratum's mean, with its 95 % interval ({@link #SEED}, {@link #RESAMPLES}). */
    public static Interval meanOfStrata(double[][] strata) {
        return meanOfStrata(strata, SEED, RESAMPLES);
    }

    /** As {@link #meanOfStrata(double[][])} with a given seed and number of resamples; {@link Interval#NONE} without data. */
    public static Interval meanOfStrata(double[][] strata, long seed, int resamples) {
        if (resamples < 2) throw new IllegalArgumentException("the bootstrap needs at least 2 resamples, got " + resamples);
        if (strata.length == 0) return Interval.NONE;
        strata = strata.clone();
        for (int i = 0; i < strata.length; i++) {
            strata[i] = strata[i].clone();
            Arrays.sort(strata[i]);
        }
        int n = 0;
        double estimate = 0;
        for (double[] s : strata) {
            if (s.length == 0) throw new IllegalArgumentException("a bootstrap stratum is empty");
            n += s.length;
            double sum = 0;
            for (double v : s) sum += v;
            estimate += sum / s.length;
        }
        estimate /= strata.length;

        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double stat = 0;
            for (double[] s : strata) {
                double sum = 0;
                for (int i = 0; i < s.length; i++) sum += s[random.nextInt(s.length)];
                stat += sum / s.length;
            }
            means[r] = stat / strata.length;
        }
        Arrays.sort(means);
        double alpha = (1 - LEVEL) / 2;
        // a degenerate interval (constant data) is exactly the estimate, without summation noise
        double low = percentile(means, alpha), high = percentile(means, 1 - alpha);
        if (means[0] == means[resamples - 1]) low = high = estimate;
        return new Interval(estimate, low, high, n);
    }

    /** Linear interpolation between the order statistics around {@code p·(length−1)}. */
    static double percentile(double[] sorted, double p) {
        double pos = p * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
