package dev.kvasir.eval;

import dev.kvasir.core.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link Task} needs to produce samples. Generated tasks (passkey, niah, RULER) size their
 * text in tokens of {@link #tokenizer()}; file readers (RULER jsonl, LongBench) only read
 * {@link #dataPath()}.
 *
 * @param tokenizer        the model's tokenizer; required by generated tasks, may be null for readers
 * @param seed             base seed; each sample derives its own seed from it and its coordinates,
 *                         so a sample does not change when other lengths or depths are added
 * @param contextLengths   target lengths in tokens (see each task for what exactly is counted)
 * @param depths           needle depths, fractions in [0, 1] (passkey, niah)
 * @param samplesPerPoint  samples per (length[, depth]) point for randomised tasks
 * @param dataPath         haystack directory/file (niah, RULER essay haystacks) or jsonl file (readers)
 * @param limit            at most this many samples (0 = all), applied after generation/reading
 * @param reserveTokens    tokens kept free for what the runner adds (chat template, BOS): generated
 *                         prompts are made this much shorter than the target length
 * @param options          task-specific settings as strings (e.g. {@code needle}, {@code question})
 */
public record TaskConfig(
        Tokenizer tokenizer,
        long seed,
        List<Integer> contextLengths,
        List<Double> depths,
        int samplesPerPoint,
        Path dataPath,
        int limit,
        int reserveTokens,
        Map<String, String> options) {

    public TaskConfig {
        contextLengths = List.copyOf(contextLengths);
        depths = List.copyOf(depths);
        options = Map.copyOf(options);
        if (samplesPerPoint < 1) throw new IllegalArgumentException("samplesPerPoint must be >= 1");
        if (limit < 0) throw new IllegalArgumentException("limit must be >= 0");
        if (reserveTokens < 0) throw new IllegalArgumentException("reserveTokens must be >= 0");
        for (int len : contextLengths) {
            if (len <= 0) throw new IllegalArgumentException("context lengths must be positive: " + len);
        }
        for (double d : depths) {
            if (!(d >= 0 && d <= 1)) throw new IllegalArgumentException("depths are fractions in [0, 1]: " + d);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The tokenizer, or a clear error for tasks that need one. */
    public Tokenizer requireTokenizer(String task) {
        if (tokenizer == null) throw new IllegalArgumentException(task + " sizes its text in tokens: a tokenizer is required");
        return tokenizer;
    }

    /** The data path, or a clear error. */
    public Path requireDataPath(String task, String what) {
        if (dataPath == null) throw new IllegalArgumentException(task + " needs a data path: " + what);
        return dataPath;
    }

    public Optional<String> option(String key) {
        return Optional.ofNullable(options.get(key));
    }

    /** Applies {@link #limit()}. */
    public List<EvalSample> limited(List<EvalSample> samples) {
        return limit > 0 && samples.size() > limit ? List.copyOf(samples.subList(0, limit)) : samples;
    }

    public static final class Builder {
        private Tokenizer tokenizer;
        private long seed = 42;
        private List<Integer> contextLengths = List.of(4096);
        private List<Double> depths = List.of(0.0, 0.25, 0.5, 0.75, 1.0);
        private int samplesPerPoint = 1;
        private Path dataPath;
        private int limit;
        private int reserveTokens;
        private final Map<String, String> options = new LinkedHashMap<>();

        public Builder tokenizer(Tokenizer t) { this.tokenizer = t; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder contextLengths(List<Integer> l) { this.contextLengths = l; return this; }
        public Builder contextLengths(Integer... l) { this.contextLengths = List.of(l); return this; }
        public Builder depths(List<Double> d) { this.depths = d; return this; }
        public Builder depths(Double... d) { this.depths = List.of(d); return this; }
        public Builder samplesPerPoint(int n) { this.samplesPerPoint = n; return this; }
        public Builder dataPath(Path p) { this.dataPath = p; return this; }
        public Builder limit(int n) { this.limit = n; return this; }
        public Builder reserveTokens(int n) { this.reserveTokens = n; return this; }
        public Builder option(String key, String value) { this.options.put(key, value); return this; }
        public Builder options(Map<String, String> o) { this.options.putAll(o); return this; }

        public TaskConfig build() {
            return new TaskConfig(tokenizer, seed, contextLengths, depths, samplesPerPoint, dataPath, limit,
                    reserveTokens, options);
        }
    }
}
