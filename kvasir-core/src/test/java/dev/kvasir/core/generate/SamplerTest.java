package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    /** Plain sampling from softmax(logits / T): every filter off. */
    private static SamplingParams pure(double temperature) {
        return new SamplingParams(temperature, 0, 1, 0, 1, 64, 1234);
    }

    private static float[] randomLogits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * 3);
        return l;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    private static double[] frequencies(Sampler s, float[] logits, int draws) {
        double[] f = new double[logits.length];
        for (int i = 0; i < draws; i++) f[s.sample(logits, IntSequence.EMPTY)]++;
        for (int i = 0; i < f.length; i++) f[i] /= draws;
        return f;
    }

    /** Each frequency within 5 standard errors of its probability (a fixed seed keeps this deterministic). */
    private static void assertMatches(double[] freq, double[] p, int draws) {
        for (int i = 0; i < p.length; i++) {
            double sigma = Math.sqrt(p[i] * (1 - p[i]) / draws);
            assertThat(freq[i]).as("token %d", i).isCloseTo(p[i], within(5 * sigma + 1e-9));
        }
    }

    @Test
    void greedyIsArgmaxWithTiesToTheLowestId() {
        Sampler s = new Sampler(SamplingParams.greedy());
        assertThat(s.sample(new float[] {0.1f, 2.5f, -1f, 2.4f}, IntSequence.EMPTY)).isEqualTo(1);
        assertThat(s.sample(new float[] {1f, 3f, 3f, 3f}, IntSequence.EMPTY)).isEqualTo(1);
        assertThat(s.sample(new float[] {Float.NEGATIVE_INFINITY, -5f, Float.NEGATIVE_INFINITY}, IntSequence.EMPTY)).isEqualTo(1);
        float[] big = randomLogits(50_000, 3);
        int expected = 0;
        for (int i = 1; i < big.length; i++) if (big[i] > big[expected]) expected = i;
        assertThat(s.sample(big, IntSequence.EMPTY)).isEqualTo(expected);
    }

    @Test
    void topKOfOneIsGreedyAtAnyTemperature() {
        Sampler greedy = new Sampler(SamplingParams.greedy());
        for (int trial = 0; trial < 50; trial++) {
            float[] logits = randomLogits(1000, trial);
            if (trial % 5 == 0) logits[trial] = logits[trial + 1] = 99f; // a tie: both must pick the lower id
            Sampler topOne = new Sampler(SamplingParams.defaults().withTopK(1).withTemperature(0.5 + trial / 10.0).withSeed(trial));
            assertThat(topOne.sample(logits, IntSequence.EMPTY)).isEqualTo(greedy.sample(logits, IntSequence.EMPTY));
        }
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        float[] logits = randomLogits(5000, 11);
        SamplingParams p = SamplingParams.defaults().withTemperature(1.5).withTopK(200).withTopP(0.99).withMinP(0);
        int[] a = new int[200], b = new int[200], c = new int[200];
        Sampler sa = new Sampler(p), sb = new Sampler(p), sc = new Sampler(p.withSeed(p.seed() + 1));
        for (int i = 0; i < a.length; i++) {
            a[i] = sa.sample(logits, IntSequence.of(a, i));
            b[i] = sb.sample(logits, IntSequence.of(b, i));
            c[i] = sc.sample(logits, IntSequence.of(c, i));
        }
        assertThat(b).isEqualTo(a);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void temperatureOneDrawsFromTheSoftmax() {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f};
        int draws = 20_000;
        assertMatches(frequencies(new Sampler(pure(1)), logits, draws), softmax(logits, 1), draws);
    }

    @Test
    void temperatureScalesTheLogits() {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f};
        int draws = 20_000;
        assertMatches(frequencies(new Sampler(pure(0.5)), logits, draws), softmax(logits, 0.5), draws);
        assertMatches(frequencies(new Sampler(pure(2)), logits, draws), softmax(logits, 2), draws);
    }

    @Test
    void topKRenormalisesOverTheKBest() {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f};
        int draws = 20_000;
        double[] freq = frequencies(new Sampler(pure(1).withTopK(2)), logits, draws);
        double[] top2 = softmax(new float[] {2.0f, 3.0f}, 1);
        assertMatches(freq, new double[] {0, top2[0], 0, 0, top2[1], 0}, draws);
    }

    @Test
    void topPKeepsTheTokenThatCrossesPAndNothingAfter() {
        // Four equal logits: probabilities exactly 0.25. With p = 0.5 the mass before id 2 is 0.5, not below p.
        double[] freq = frequencies(new Sampler(pure(1).withTopP(0.5)), new float[] {0, 0, 0, 0}, 10_000);
        assertThat(freq[2] + freq[3]).isZero();
        assertThat(freq[0]).isCloseTo(0.5, within(0.03));
        // Probabilities 1/2, 1/4, 1/8, 1/8: just above 0.75 the third token is in, just below it is out.
        // (A masked fifth token lets top-k = 4 take the heap path while keeping the same distribution.)
        float[] logits = {(float) Math.log(4), (float) Math.log(2), 0f, 0f, Float.NEGATIVE_INFINITY};
        for (int topK : new int[] {0, 4}) { // without and with top-k first (the gather-and-sort path and the heap path)
            double[] below = frequencies(new Sampler(pure(1).withTopK(topK).withTopP(0.75 - 1e-6)), logits, 20_000);
            assertMatches(below, new double[] {2 / 3.0, 1 / 3.0, 0, 0, 0}, 20_000);
            double[] above = frequencies(new Sampler(pure(1).withTopK(topK).withTopP(0.75 + 1e-6)), logits, 20_000);
            assertMatches(above, new double[] {4 / 7.0, 2 / 7.0, 1 / 7.0, 0, 0}, 20_000);
        }
        // A tiny p keeps only the best token.
        assertThat(frequencies(new Sampler(pure(1).withTopP(1e-9)), logits, 1000)[0]).isEqualTo(1.0);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.15), (float) Math.log(0.1)};
        int draws = 20_000;
        // threshold 0.29 * 0.5 = 0.145: 0.15 stays, 0.1 goes
        assertMatches(frequencies(new Sampler(pure(1).withMinP(0.29)), logits, draws), new double[] {0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0}, draws);
        // threshold 0.31 * 0.5 = 0.155: 0.15 goes too (also after top-k, the explicit-candidate path)
        double[] twoLeft = {2 / 3.0, 1 / 3.0, 0, 0};
        assertMatches(frequencies(new Sampler(pure(1).withMinP(0.31)), logits, draws), twoLeft, draws);
        assertMatches(frequencies(new Sampler(pure(1).withTopK(3).withMinP(0.31)), logits, draws), twoLeft, draws);
        // min-p is relative to the tempered distribution: at T = 2 the ratios are square roots, 0.1/0.5 -> 0.447
        assertThat(frequencies(new Sampler(pure(2).withMinP(0.44)), logits, draws)[3]).isGreaterThan(0);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOncePerToken() {
        float[] logits = {2.0f, -2.0f, 1.0f, 0.5f, 3.0f};
        float[] original = logits.clone();
        IntSequence history = IntSequence.of(0, 1, 1, 4);

        Sampler lastThree = new Sampler(SamplingParams.greedy().withRepetitionPenalty(1.5).withRepeatLastN(3));
        assertThat(lastThree.penalize(logits, history)).containsExactly(2.0f, -3.0f, 1.0f, 0.5f, 2.0f);

        Sampler all = new Sampler(SamplingParams.greedy().withRepetitionPenalty(1.5).withRepeatLastN(-1));
        assertThat(all.penalize(logits, history)).containsExactly(2.0f / 1.5f, -3.0f, 1.0f, 0.5f, 2.0f);

        Sampler none = new Sampler(SamplingParams.greedy().withRepetitionPenalty(1.5).withRepeatLastN(0));
        assertThat(none.penalize(logits, history)).isSameAs(logits);
        assertThat(logits).isEqualTo(original);

        // greedy sees the penalised logits: 3.0 / 1.1 = 2.73 < 2.9
        Sampler greedy = new Sampler(SamplingParams.greedy().withRepetitionPenalty(1.1));
        assertThat(greedy.sample(new float[] {3.0f, 2.9f}, IntSequence.of(0))).isEqualTo(1);
        assertThat(greedy.sample(new float[] {3.0f, 2.9f}, IntSequence.EMPTY)).isEqualTo(0);
    }

    @Test
    void theCallersLogitsAreNeverModified() {
        float[] logits = randomLogits(5000, 5);
        float[] copy = logits.clone();
        int[] history = {1, 2, 3, 2, 4999};
        for (SamplingParams p : new SamplingParams[] {
                SamplingParams.defaults().withRepetitionPenalty(1.3), SamplingParams.greedy().withRepetitionPenalty(1.3),
                pure(0.7).withTopP(0.9).withRepetitionPenalty(0.8), pure(1).withMinP(0.1).withRepetitionPenalty(2)}) {
            Sampler s = new Sampler(p);
            for (int i = 0; i < 20; i++) s.sample(logits, IntSequence.of(history));
        }
        assertThat(logits).isEqualTo(copy);
    }

    @Test
    void matchesAStraightforwardFullSortImplementation() {
        SplittableRandom params = new SplittableRandom(99);
        for (int trial = 0; trial < 40; trial++) {
            float[] logits = randomLogits(trial % 2 == 0 ? 50_000 : 300, 1000 + trial);
            SamplingParams p = new SamplingParams(0.3 + params.nextDouble() * 1.5, params.nextBoolean() ? 0 : 1 + params.nextInt(100),
                    params.nextBoolean() ? 1 : 0.5 + params.nextDouble() * 0.5, params.nextBoolean() ? 0 : params.nextDouble() * 0.2,
                    1, 64, trial);
            Sampler s = new Sampler(p);
            ReferenceSampler ref = new ReferenceSampler(p, logits);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                int token = s.sample(logits, IntSequence.EMPTY);
                assertThat(token).as("trial %d draw %d, %s", trial, i, p).isEqualTo(ref.sample());
                seen.add(token);
            }
            assertThat(seen).isNotEmpty();
        }
    }

    /**
     * Sorts the whole vocabulary (best first, ties by id) and applies each filter literally. Where
     * no top-k or top-p has ordered the candidates, it draws over them in id order, as the sampler
     * does, so the same random numbers pick the same tokens.
     */
    private static final class ReferenceSampler {
        private final SplittableRandom random;
        private final int[] ids;
        private final double[] weights;
        private final double total;

        /** The filters do not depend on the random numbers, so the survivors are worked out once. */
        ReferenceSampler(SamplingParams p, float[] logits) {
            random = new SplittableRandom(p.seed());
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            int n = p.topK() > 0 ? Math.min(p.topK(), order.length) : order.length;
            double max = logits[order[0]];
            double[] w = new double[n];
            for (int i = 0; i < n; i++) w[i] = Math.exp((logits[order[i]] - max) / p.temperature());
            if (p.topP() < 1) {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += w[i];
                double before = 0;
                int keep = n;
                for (int i = 0; i < n; i++) {
                    if (i > 0 && before / sum >= p.topP()) {
                        keep = i;
                        break;
                    }
                    before += w[i];
                }
                n = keep;
            }
            if (p.minP() > 0) {
                int keep = 1;
                while (keep < n && w[keep] >= p.minP()) keep++;
                n = keep;
            }
            int[] survivors = new int[n];
            for (int i = 0; i < n; i++) survivors[i] = order[i];
            boolean ordered = (p.topK() > 0 && p.topK() < logits.length) || p.topP() < 1;
            if (!ordered) Arrays.sort(survivors);
            ids = survivors;
            weights = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) sum += weights[i] = Math.exp((logits[ids[i]] - max) / p.temperature());
            total = n == 1 ? -1 : sum; // a single candidate is returned without a draw
        }

        int sample() {
            if (total < 0) return ids[0];
            double r = random.nextDouble() * total, cumulative = 0;
            for (int i = 0; i < ids.length; i++) {
                cumulative += weights[i];
                if (r < cumulative) return ids[i];
            }
            return ids[ids.length - 1];
        }
    }

    @Test
    void samplingAllocatesNothingPerToken() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] logits = randomLogits(50_000, 8);
        IntSequence history = IntSequence.of(randomTokens(200, 50_000));
        for (SamplingParams p : new SamplingParams[] {
                SamplingParams.defaults().withRepetitionPenalty(1.1), pure(0.9).withTopP(0.9), pure(1).withMinP(0.05),
                pure(1), SamplingParams.greedy().withRepetitionPenalty(1.2)}) {
            Sampler s = new Sampler(p);
            for (int i = 0; i < 200; i++) s.sample(logits, history); // scratch grows, code warms up
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200; i++) s.sample(logits, history);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated by 200 tokens with %s", p).isLessThan(2_000);
        }
    }

    private static int[] randomTokens(int n, int vocab) {
        SplittableRandom r = new SplittableRandom(4);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }

    @Test
    void rejectsWhatCannotBeSampled() {
        Sampler s = new Sampler(SamplingParams.defaults());
        float[] masked = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        assertThatThrownBy(() -> s.sample(masked, IntSequence.EMPTY)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-Infinity");
        assertThatThrownBy(() -> new Sampler(SamplingParams.greedy()).sample(masked, IntSequence.EMPTY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sampler(pure(1)).sample(new float[] {0, Float.NaN}, IntSequence.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> new Sampler(SamplingParams.defaults().withRepetitionPenalty(1.2)).sample(new float[] {0, 1}, IntSequence.of(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> s.sample(new float[0], IntSequence.EMPTY)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void maskedTokensAreNeverDrawn() {
        float[] logits = {0f, Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY};
        for (SamplingParams p : new SamplingParams[] {pure(1), pure(1).withTopK(3), pure(1).withTopP(0.99), pure(1).withMinP(0.01)}) {
            double[] f = frequencies(new Sampler(p), logits, 2000);
            assertThat(f[1] + f[3]).isZero();
        }
    }
}
