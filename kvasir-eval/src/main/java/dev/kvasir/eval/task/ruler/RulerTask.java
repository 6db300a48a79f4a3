package dev.kvasir.eval.task.ruler;

import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.metrics.StringMatch;
import dev.kvasir.eval.task.Haystack;
import dev.kvasir.eval.text.Seeds;
import dev.kvasir.eval.text.TokenFitter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static dev.kvasir.eval.task.ruler.RulerNiahSpec.Haystack.ESSAY;
import static dev.kvasir.eval.task.ruler.RulerNiahSpec.Haystack.NEEDLE;
import static dev.kvasir.eval.task.ruler.RulerNiahSpec.Haystack.NOISE;
import static dev.kvasir.eval.task.ruler.RulerNiahSpec.Kind.NUMBERS;
import static dev.kvasir.eval.task.ruler.RulerNiahSpec.Kind.UUIDS;
import static dev.kvasir.eval.task.ruler.RulerNiahSpec.Kind.WORDS;

/**
 * RULER's synthetic tasks generated in Java from a seed, with RULER's names, prompts, generation
 * lengths and metrics (all {@code string_match_all}).
 *
 * <p>Length follows RULER: a sample of length L has a plain prompt of at most
 * {@code L - maxNewTokens - reserveTokens} tokens (RULER's max_seq_length includes the
 * generated tokens); the filler is the largest that fits, found by binary search. Essay-based
 * variants read their corpus from {@link TaskConfig#dataPath()} (e.g. the Paul Graham essays).
 * {@code samplesPerPoint} samples per length.
 */
public final class RulerTask implements Task {

    /** A RULER task: its name, generation limit, and generator for a length. */
    public record Variant(String name, int maxNewTokens, boolean needsEssay,
                          BiFunction<Integer, Context, RulerGenerator> generator) {}

    /** What generators may need besides the length. */
    public record Context(Tokenizer tokenizer, Haystack essay) {}

    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        niah("niah_single_1", new RulerNiahSpec(NOISE, WORDS, NUMBERS, 1, 1, 1));
        niah("niah_single_2", new RulerNiahSpec(ESSAY, WORDS, NUMBERS, 1, 1, 1));
        niah("niah_single_3", new RulerNiahSpec(ESSAY, WORDS, UUIDS, 1, 1, 1));
        niah("niah_multikey_1", new RulerNiahSpec(ESSAY, WORDS, NUMBERS, 4, 1, 1));
        niah("niah_multikey_2", new RulerNiahSpec(NEEDLE, WORDS, NUMBERS, 1, 1, 1));
        niah("niah_multikey_3", new RulerNiahSpec(NEEDLE, UUIDS, UUIDS, 1, 1, 1));
        niah("niah_multivalue", new RulerNiahSpec(ESSAY, WORDS, NUMBERS, 1, 4, 1));
        niah("niah_multiquery", new RulerNiahSpec(ESSAY, WORDS, NUMBERS, 1, 1, 4));
        add(new Variant("vt", 30, false, (len, ctx) -> new VariableTrackingGenerator(1, 4, ctx.tokenizer())));
        add(new Variant("cwe", 120, false, (len, ctx) -> CommonWordsGenerator.forLength(len)));
        add(new Variant("fwe", 50, false, (len, ctx) -> FrequentWordsGenerator.forLength(len, 50)));
    }

    private static void niah(String name, RulerNiahSpec spec) {
        add(new Variant(name, 128, spec.haystack() == ESSAY, (len, ctx) -> new RulerNiahGenerator(spec, ctx.essay())));
    }

    private static void add(Variant v) {
        VARIANTS.put(v.name(), v);
    }

    /** RULER's synthetic task names: niah_single_1..3, niah_multikey_1..3, niah_multivalue, niah_multiquery, vt, cwe, fwe. */
    public static List<String> names() {
        return List.copyOf(VARIANTS.keySet());
    }

    /** A custom needle task under its own name (generation limit 128, like RULER's niah). */
    public static RulerTask custom(String name, RulerNiahSpec spec) {
        return new RulerTask(new Variant(name, 128, spec.haystack() == ESSAY, (len, ctx) -> new RulerNiahGenerator(spec, ctx.essay())));
    }

    private final Variant variant;

    private RulerTask(Variant variant) {
        this.variant = variant;
    }

    public static RulerTask named(String name) {
        Variant v = VARIANTS.get(name);
        if (v == null) throw new IllegalArgumentException("unknown RULER task '" + name + "'; known: " + VARIANTS.keySet());
        return new RulerTask(v);
    }

    @Override
    public String name() {
        return variant.name();
    }

    @Override
    public List<EvalSample> samples(TaskConfig config) {
        Tokenizer tokenizer = config.requireTokenizer(name());
        Haystack essay = variant.needsEssay()
                ? Haystack.load(config.requireDataPath(name(), "an essay corpus (directory of .txt files or a text file)"))
                : null;
        Context ctx = new Context(tokenizer, essay);
        List<EvalSample> out = new ArrayList<>();
        for (int length : config.contextLengths()) {
            RulerGenerator generator = variant.generator().apply(length, ctx);
            int budget = length - variant.maxNewTokens() - config.reserveTokens();
            for (int i = 0; i < config.samplesPerPoint(); i++) {
                long seed = Seeds.mix(config.seed(), Seeds.of(name()), length, i);
                int units = TokenFitter.largestFitting(tokenizer, n -> generator.generate(new Random(seed), n).prompt(),
                        budget, generator.minUnits());
                RulerParts parts = generator.generate(new Random(seed), units);
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put(EvalSample.LENGTH, length);
                meta.put(EvalSample.PROMPT_TOKENS, TokenFitter.count(tokenizer, parts.prompt()));
                meta.put("fillerUnits", units);
                String id = String.format(Locale.ROOT, "%s-L%d-s%d", name(), length, i);
                out.add(new EvalSample(id, parts.context(), parts.question(), parts.answerPrefix(), parts.answers(),
                        variant.maxNewTokens(), StringMatch.ALL, meta));
            }
        }
        return config.limited(out);
    }
}
