package dev.kvasir.core.generate;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Chooses the next token from a model's logits. One sampler per generation: it owns the seeded
 * random generator, so a generation is reproducible from its {@link SamplingParams#seed() seed},
 * and scratch buffers sized to the vocabulary, so sampling allocates nothing per token. Not
 * thread-safe. The caller's logits are never modified.
 *
 * <p>Greedy ({@code temperature == 0}): repetition penalty, then argmax (ties go to the lowest id).
 *
 * <p>Otherwise, in the order of Hugging Face's logits processors: repetition penalty →
 * temperature → top-k → top-p → min-p → softmax over the survivors → draw. (llama.cpp applies
 * temperature last; the two orders agree when the temperature is 1, and top-k does not depend on
 * the order at all.) Each filter renormalises over what the previous one kept, as HF does.
 * Candidates of equal logit are ordered by id, so ties at a top-k or top-p boundary keep the
 * lower ids.
 *
 * <ul>
 * <li>top-k selects with a bounded heap, without sorting the vocabulary;
 * <li>top-p keeps tokens while the probability of the more likely ones before them is below p
 *     (so the token that crosses p is kept, the next is not). Without top-k it buckets the tokens
 *     by logit in one pass and sorts only those in the buckets that reach p;
 * <li>min-p keeps tokens whose probability is at least minP times the largest.
 * </ul>
 *
 * <p>Logits may be {@code -Infinity} (masked tokens) but not NaN.
 */
public final class Sampler {
    private final SamplingParams params;
    private final RandomGenerator random;

    // Scratch, grown to the vocabulary size on first use and reused for every token.
    private float[] penalized = new float[0];
    private int[] seenStamp = new int[0];
    private int stamp;
    private long[] candidates = new long[0];     // packed (logit, id), see key()
    private double[] weights = new double[0];    // exp((logit - max) / T) of the current candidates

    public Sampler(SamplingParams params) {
        this(params, new SplittableRandom(params.seed()));
    }

    /** With a caller-supplied generator (the seed in {@code params} is then unused). */
    public Sampler(SamplingParams params, RandomGenerator random) {
        this.params = Objects.requireNonNull(params, "params");
        this.random = Objects.requireNonNull(random, "random");
    }

    public SamplingParams params() { return params; }

    /**
     * The next token id.
     *
     * @param logits  one logit per vocabulary entry; read, never written
     * @param history the tokens so far (prompt and generated), for the repetition penalty; may be
     *                empty
     * @throws IllegalArgumentException if every logit is -Infinity, a logit is NaN, or the history
     *                                  holds an id outside the vocabulary
     */
    public int sample(float[] logits, IntSequence history) {
        Objects.requireNonNull(history, "history");
        if (logits.length == 0) throw new IllegalArgumentException("no logits");
        float[] src = penalize(logits, history);
        if (params.isGreedy()) return argmax(src);

        int vocab = src.length;
        double invTemperature = 1.0 / params.temperature();
        int topK = params.topK();
        // Either the candidates are explicit, candidates[0..n) best first, or they are every id 0..n.
        int n;
        boolean explicit;
        float max;
        if (topK > 0 && topK < vocab) {
            n = selectTopK(src, topK);
            explicit = true;
            max = src[id(candidates[0])];
            if (Float.isNaN(max)) throw nan();
        } else {
            n = vocab;
            explicit = false;
            max = max(src);
        }
        if (max == Float.NEGATIVE_INFINITY) throw new IllegalArgumentException("every logit is -Infinity: nothing to sample");

        // Softmax numerators relative to the best candidate, whose weight is therefore exactly 1.
        double total = computeWeights(src, n, explicit, max, invTemperature);

        if (params.topP() < 1) {
            if (!explicit) {
                n = gatherNucleus(src, total, params.topP(), max, invTemperature);
                sortBestFirst(candidates, n);
                for (int i = 0; i < n; i++) weights[i] = weight(src[id(candidates[i])], max, invTemperature);
                explicit = true;
            }
            n = cutNucleus(n, total, params.topP());
            total = sum(weights, n);
        }

        if (params.minP() > 0) {
            double minP = params.minP(); // p_i / p_max is weight_i
            if (explicit) {
                int keep = 1;
                while (keep < n && weights[keep] >= minP) keep++;
                n = keep;
            } else {
                int kept = 0;
                for (int i = 0; i < n; i++) {
                    if (weights[i] >= minP) {
                        candidates[kept] = key(src[i], i);
                        weights[kept++] = weights[i];
                    }
                }
                n = kept;
                explicit = true; // no longer sorted, which drawing does not need
            }
            total = sum(weights, n);
        }

        if (n == 1) return explicit ? id(candidates[0]) : 0; // nothing to draw: the random stream is left as it is
        double r = random.nextDouble() * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            double w = weights[i];
            if (w == 0) continue;
            cumulative += w;
            last = i;
            if (r < cumulative) return explicit ? id(candidates[i]) : i;
        }
        // Rounding can leave r just above the final sum: the last candidate with any weight it is.
        return explicit ? id(candidates[last]) : last;
    }

    /** The logits after the repetition penalty: the caller's array when there is nothing to penalise, else a scratch copy. */
    float[] penalize(float[] logits, IntSequence history) {
        float penalty = (float) params.repetitionPenalty();
        int window = params.repeatLastN();
        int size = history.size();
        if (penalty == 1f || window == 0 || size == 0) return logits;
        int vocab = logits.length;
        if (penalized.length < vocab) {
            penalized = new float[vocab];
            seenStamp = new int[vocab];
            stamp = 0;
        }
        System.arraycopy(logits, 0, penalized, 0, vocab);
        // A fresh stamp marks "already penalised" without clearing the array each token.
        if (++stamp == Integer.MAX_VALUE) {
            Arrays.fill(seenStamp, 0);
            stamp = 1;
        }
        int from = window < 0 ? 0 : Math.max(0, size - window);
        for (int i = from; i < size; i++) {
            int token = history.get(i);
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("history token " + token + " at " + i + " is outside the vocabulary of " + vocab);
            }
            if (seenStamp[token] == stamp) continue;
            seenStamp[token] = stamp;
            float l = penalized[token];
            penalized[token] = l > 0 ? l / penalty : l * penalty;
        }
        return penalized;
    }

    private static int argmax(float[] src) {
        int best = -1;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < src.length; i++) {
            float v = src[i];
            if (v > bestValue) {
                bestValue = v;
                best = i;
            } else if (Float.isNaN(v)) {
                throw nan();
            }
        }
        if (best < 0) throw new IllegalArgumentException("every logit is -Infinity: nothing to sample");
        return best;
    }

    private static float max(float[] src) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : src) {
            if (v > max) max = v;
            else if (Float.isNaN(v)) throw nan();
        }
        return max;
    }

    private static IllegalArgumentException nan() {
        return new IllegalArgumentException("a logit is NaN");
    }

    private static double weight(float logit, float max, double invTemperature) {
        return Math.exp((logit - (double) max) * invTemperature);
    }

    private double computeWeights(float[] src, int n, boolean explicit, float max, double invTemperature) {
        if (weights.length < src.length) {
            weights = new double[src.length];
            candidates = new long[src.length];
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double w = weight(src[explicit ? id(candidates[i]) : i], max, invTemperature);
            weights[i] = w;
            total += w;
        }
        return total;
    }

    private static double sum(double[] a, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += a[i];
        return s;
    }

    /**
     * Puts into {@code candidates[0..k)} the k best tokens, best first. A max-heap of the k best
     * so far (root = the worst of them) rejects most tokens with one comparison.
     */
    private int selectTopK(float[] src, int k) {
        if (candidates.length < src.length) {
            candidates = new long[src.length];
            weights = new double[src.length];
        }
        long[] heap = candidates;
        for (int id = 0; id < k; id++) {
            heap[id] = key(src[id], id);
            siftUp(heap, id);
        }
        float worst = src[id(heap[0])];
        for (int id = k; id < src.length; id++) {
            float v = src[id];
            if (v > worst) { // equal logits lose to the lower ids already held
                heap[0] = key(v, id);
                siftDown(heap, 0, k);
                worst = src[id(heap[0])];
            }
        }
        // Heap sort: repeatedly move the worst to the end, leaving best first.
        for (int end = k - 1; end > 0; end--) {
            long t = heap[0];
            heap[0] = heap[end];
            heap[end] = t;
            siftDown(heap, 0, end);
        }
        return k;
    }

    /** Width, in nats of tempered logit below the best, of the buckets {@link #gatherNucleus} sorts tokens into. */
    private static final double BUCKET_WIDTH = 0.25;
    private final double[] bucketMass = new double[96];

    /**
     * Gathers into {@code candidates} a superset of the nucleus that is small when the
     * distribution is peaked: tokens are bucketed by how far their tempered logit lies below the
     * best (one pass, no sort), buckets are taken best first until they hold {@code topP} of the
     * mass, and only the tokens in those buckets (plus one bucket of margin against rounding) are
     * gathered for sorting. The last bucket takes everything further down.
     */
    private int gatherNucleus(float[] src, double total, double topP, float max, double invTemperature) {
        int vocab = src.length;
        int buckets = bucketMass.length;
        double scale = invTemperature / BUCKET_WIDTH;
        Arrays.fill(bucketMass, 0);
        for (int i = 0; i < vocab; i++) {
            bucketMass[Math.min(buckets - 1, (int) ((max - (double) src[i]) * scale))] += weights[i];
        }
        double needed = topP * total, mass = 0;
        int last = 0;
        while (last < buckets - 1 && (mass += bucketMass[last]) < needed) last++;
        last = Math.min(buckets - 1, last + 1);
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (weights[i] > 0 && Math.min(buckets - 1, (int) ((max - (double) src[i]) * scale)) <= last) {
                candidates[n++] = key(src[i], i);
            }
        }
        return n;
    }

    /** Keeps the sorted candidates while the mass before each is below topP. */
    private int cutNucleus(int n, double total, double topP) {
        double needed = topP * total;
        double before = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && before >= needed) return i;
            before += weights[i];
        }
        return n;
    }

    // ---- packed candidates ----------------------------------------------------------------
    // A candidate is a long whose natural order is "better first": the logit (as order-preserving
    // int bits, inverted) in the high half, the id in the low half so equal logits order by id.

    static long key(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // monotonic in the float's value
        return ((long) ~ordered << 32) | id;
    }

    static int id(long key) {
        return (int) key;
    }

    private static void sortBestFirst(long[] a, int n) {
        // In-place heap sort (ascending key = best first): no allocation, unlike Arrays.sort's merge paths.
        for (int i = n / 2 - 1; i >= 0; i--) siftDown(a, i, n);
        for (int end = n - 1; end > 0; end--) {
            long t = a[0];
            a[0] = a[end];
            a[end] = t;
            siftDown(a, 0, end);
        }
    }

    /** Max-heap on the packed key: the root is the worst candidate. */
    private static void siftUp(long[] heap, int i) {
        long x = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= x) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = x;
    }

    private static void siftDown(long[] heap, int i, int size) {
        long x = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && heap[child + 1] > heap[child]) child++;
            if (heap[child] <= x) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }
}
