package dev.kvasir.core.generate;

/**
 * How the next token is chosen from the logits. Each filter has an "off" value, and a
 * temperature of 0 means greedy decoding (argmax, every other setting but the repetition penalty
 * ignored). See {@link Sampler} for the order the steps are applied in.
 *
 * @param temperature       divides the logits; 0 = greedy. Must be finite and &gt;= 0.
 * @param topK              keep the k most likely tokens; 0 = off. Must be &gt;= 0.
 * @param topP              keep the smallest set of most likely tokens whose probability reaches
 *                          p (nucleus sampling); 1 = off. Must be in (0, 1].
 * @param minP              drop tokens less likely than minP times the most likely one; 0 = off.
 *                          Must be in [0, 1].
 * @param repetitionPenalty penalises tokens seen in the last {@code repeatLastN} tokens of the
 *                          history, as llama.cpp and Hugging Face do: a positive logit is divided
 *                          by it, a negative one multiplied; once per distinct token. 1 = off.
 *                          Must be finite and &gt; 0.
 * @param repeatLastN       how far back the penalty looks; -1 = the whole history, 0 = off.
 * @param seed              seeds the sampler's random generator: the same seed, parameters and
 *                          logits give the same tokens.
 */
public record SamplingParams(double temperature, int topK, double topP, double minP,
                             double repetitionPenalty, int repeatLastN, long seed) {

    /** The seed of {@link #defaults()}; pass another (e.g. the time) for varied output. */
    public static final long DEFAULT_SEED = 42;

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no repetition penalty (window 64). */
    private static final SamplingParams DEFAULTS = new SamplingParams(0.8, 40, 0.95, 0.05, 1.0, 64, DEFAULT_SEED);

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1] (1 = off), got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("minP must be in [0, 1] (0 = off), got " + minP);
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetitionPenalty must be a finite number > 0 (1 = off), got " + repetitionPenalty);
        }
        if (repeatLastN < -1) {
            throw new IllegalArgumentException("repeatLastN must be >= -1 (-1 = whole history, 0 = off), got " + repeatLastN);
        }
    }

    /** llama.cpp's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalty) with {@link #DEFAULT_SEED}. */
    public static SamplingParams defaults() { return DEFAULTS; }

    /** Greedy decoding: argmax, no penalty. */
    public static SamplingParams greedy() { return DEFAULTS.withTemperature(0).withRepetitionPenalty(1); }

    public static Builder builder() { return new Builder(DEFAULTS); }

    public Builder toBuilder() { return new Builder(this); }

    public boolean isGreedy() { return temperature == 0; }

    public SamplingParams withTemperature(double temperature) { return toBuilder().temperature(temperature).build(); }

    public SamplingParams withTopK(int topK) { return toBuilder().topK(topK).build(); }

    public SamplingParams withTopP(double topP) { return toBuilder().topP(topP).build(); }

    public SamplingParams withMinP(double minP) { return toBuilder().minP(minP).build(); }

    public SamplingParams withRepetitionPenalty(double penalty) { return toBuilder().repetitionPenalty(penalty).build(); }

    public SamplingParams withRepeatLastN(int repeatLastN) { return toBuilder().repeatLastN(repeatLastN).build(); }

    public SamplingParams withSeed(long seed) { return toBuilder().seed(seed).build(); }

    /** Starts from {@link #defaults()} (or the params it was made from); {@link #build()} validates. */
    public static final class Builder {
        private double temperature;
        private int topK;
        private double topP;
        private double minP;
        private double repetitionPenalty;
        private int repeatLastN;
        private long seed;

        private Builder(SamplingParams p) {
            temperature = p.temperature;
            topK = p.topK;
            topP = p.topP;
            minP = p.minP;
            repetitionPenalty = p.repetitionPenalty;
            repeatLastN = p.repeatLastN;
            seed = p.seed;
        }

        public Builder temperature(double temperature) { this.temperature = temperature; return this; }

        public Builder topK(int topK) { this.topK = topK; return this; }

        public Builder topP(double topP) { this.topP = topP; return this; }

        public Builder minP(double minP) { this.minP = minP; return this; }

        public Builder repetitionPenalty(double repetitionPenalty) { this.repetitionPenalty = repetitionPenalty; return this; }

        public Builder repeatLastN(int repeatLastN) { this.repeatLastN = repeatLastN; return this; }

        public Builder seed(long seed) { this.seed = seed; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed);
        }
    }
}
