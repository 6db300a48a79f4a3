package dev.kvasir.eval.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The percentile bootstrap on known cases, and paired differences matched by sample id. */
class BootstrapTest {

    @Test
    void constantDataHasAZeroWidthInterval() {
        Bootstrap.Interval i = Bootstrap.mean(new double[] {100, 100, 100, 100, 100, 100, 100});
        assertThat(i.estimate()).isEqualTo(100);
        assertThat(i.low()).isEqualTo(100);
        assertThat(i.high()).isEqualTo(100);
        assertThat(i.n()).isEqualTo(7);
        assertThat(i.excludesZero()).isTrue();
    }

    /**
     * Five hits in ten: a resample's mean is Binomial(10, 0.5)/10, whose 2.5 % and 97.5 %
     * quantiles are 2 and 8 (P(X ≤ 1) = 1.1 %, P(X ≤ 2) = 5.5 %): with 10,000 resamples the
     * percentile interval is [0.2, 0.8].
     */
    @Test
    void halfOfTenHitsMatchesTheExactBinomialQuantiles() {
        double[] hits = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
        assertThat(binomialQuantile(10, 0.025)).isEqualTo(2);
        assertThat(binomialQuantile(10, 0.975)).isEqualTo(8);
        Bootstrap.Interval i = Bootstrap.mean(hits);
        assertThat(i.estimate()).isEqualTo(0.5);
        assertThat(i.low()).isEqualTo(0.2, within(1e-12));
        assertThat(i.high()).isEqualTo(0.8, within(1e-12));
    }

    /** Smallest k with P(Binomial(n, 1/2) ≤ k) ≥ p. */
    private static int binomialQuantile(int n, double p) {
        double cdf = 0, choose = 1;
        for (int k = 0; k <= n; k++) {
            cdf += choose / Math.pow(2, n);
            if (cdf >= p) return k;
            choose = choose * (n - k) / (k + 1);
        }
        return n;
    }

    @Test
    void smallDatasetMatchesAnIndependentImplementationWithTheSameSeed() {
        double[] data = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
        long seed = 1234;
        int resamples = 2000;
        Bootstrap.Interval i = Bootstrap.meanOfStrata(new double[][] {data}, seed, resamples);
        Arrays.sort(data);

        // the documented draw order over the sorted values, counted into multiplicities, a list sort and NumPy's linear percentile
        SplittableRandom random = new SplittableRandom(seed);
        List<Double> means = new ArrayList<>();
        for (int r = 0; r < resamples; r++) {
            int[] times = new int[data.length];
            for (int k = 0; k < data.length; k++) times[random.nextInt(data.length)]++;
            double weighted = 0;
            for (int k = 0; k < data.length; k++) weighted += times[k] * data[k];
            means.add(weighted / data.length);
        }
        means.sort(null);
        assertThat(i.estimate()).isEqualTo(3.9, within(1e-12));
        assertThat(i.low()).isEqualTo(numpyPercentile(means, 2.5), within(1e-9));
        assertThat(i.high()).isEqualTo(numpyPercentile(means, 97.5), within(1e-9));
        assertThat(i.low()).isBetween(2.5, 3.2);
        assertThat(i.high()).isBetween(4.7, 5.4);
    }

    private static double numpyPercentile(List<Double> sorted, double percent) {
        double rank = percent / 100 * (sorted.size() - 1);
        int below = (int) rank;
        double frac = rank - below;
        return frac == 0 ? sorted.get(below) : sorted.get(below) * (1 - frac) + sorted.get(below + 1) * frac;
    }

    @Test
    void theSameSeedGivesTheSameIntervalAndAnotherSeedAnother() {
        double[] data = {0.13, 0.91, 0.57, 0.02, 0.77, 0.48, 0.99, 0.31, 0.64, 0.25, 0.86, 0.07};
        Bootstrap.Interval a = Bootstrap.meanOfStrata(new double[][] {data}, 7, 3000);
        Bootstrap.Interval b = Bootstrap.meanOfStrata(new double[][] {data}, 7, 3000);
        Bootstrap.Interval c = Bootstrap.meanOfStrata(new double[][] {data}, 8, 3000);
        assertThat(a).isEqualTo(b);
        assertThat(Arrays.asList(c.low(), c.high())).isNotEqualTo(Arrays.asList(a.low(), a.high()));
        double[] reversed = new double[data.length];
        for (int k = 0; k < data.length; k++) reversed[k] = data[data.length - 1 - k];
        assertThat(Bootstrap.mean(reversed)).as("the order of the rows does not matter").isEqualTo(Bootstrap.mean(data));
    }

    @Test
    void strataAreAveragedAsTaskMeansNotPooled() {
        // task means 1.0 and 0.0: the headline mean is 0.5, although 9 of the 10 values are 1
        Bootstrap.Interval i = Bootstrap.meanOfStrata(new double[][] {{1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}});
        assertThat(i.estimate()).isEqualTo(0.5);
        assertThat(i.low()).isEqualTo(0.5);
        assertThat(i.high()).isEqualTo(0.5);
        assertThat(i.n()).isEqualTo(10);
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> Bootstrap.meanOfStrata(new double[][] {{}}, 1, 100)).hasMessageContaining("empty");
        assertThatThrownBy(() -> Bootstrap.meanOfStrata(new double[][] {{1}}, 1, 1)).hasMessageContaining("resamples");
        assertThat(Bootstrap.meanOfStrata(new double[0][], 1, 100).n()).isZero();
    }

    private static ResultRow row(String id, String method, double score) {
        return ResultRow.builder().sampleId(id).task("t").method(method).budget(0.5, 0.5).score(score).build();
    }

    @Test
    void pairedDifferenceMatchesRowsBySampleIdAndHasTheRightSign() {
        List<ResultRow> a = List.of(row("s1", "a", 1), row("s2", "a", 1), row("s3", "a", 0.5), row("only-a", "a", 0));
        // another order, and a sample a does not have
        List<ResultRow> b = List.of(row("s3", "b", 0.25), row("s2", "b", 0.5), row("s1", "b", 0.5), row("only-b", "b", 1));
        Bootstrap.Interval d = Paired.difference(a, b, Measure.SCORE);
        assertThat(d.n()).isEqualTo(3);
        // per sample ×100: 50, 50, 25
        assertThat(d.estimate()).isEqualTo(125.0 / 3, within(1e-9));
        assertThat(d.low()).isGreaterThanOrEqualTo(25.0);
        assertThat(d.high()).isLessThanOrEqualTo(50.0);
        assertThat(Headline.verdict(d, Measure.SCORE)).isEqualTo("**better**");

        Bootstrap.Interval reversed = Paired.difference(b, a, Measure.SCORE);
        assertThat(reversed.estimate()).isEqualTo(-d.estimate(), within(1e-9));
        assertThat(Headline.verdict(reversed, Measure.SCORE)).isEqualTo("**worse**");

        // the same numbers as a loss (lower is better): a's higher values are worse
        Measure loss = new Measure("nll", "NLL", ResultRow::score, Measure.Direction.LOWER_IS_BETTER);
        assertThat(Headline.verdict(Paired.difference(a, b, loss), loss)).isEqualTo("**worse**");
    }

    @Test
    void aDifferenceThatChangesSignAcrossSamplesIsInconclusive() {
        List<ResultRow> a = List.of(row("s1", "a", 1), row("s2", "a", 0), row("s3", "a", 1), row("s4", "a", 0));
        List<ResultRow> b = List.of(row("s1", "b", 0), row("s2", "b", 1), row("s3", "b", 1), row("s4", "b", 0));
        Bootstrap.Interval d = Paired.difference(a, b, Measure.SCORE);
        assertThat(d.estimate()).isZero();
        assertThat(d.low()).isNegative();
        assertThat(d.high()).isPositive();
        assertThat(Headline.verdict(d, Measure.SCORE)).isEqualTo("inconclusive");
        assertThat(Paired.difference(a, List.of(row("x", "b", 1)), Measure.SCORE)).isEqualTo(Bootstrap.Interval.NONE);
    }
}
