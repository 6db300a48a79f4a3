package dev.kvasir.eval.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.text.Seeds;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fidelity of a compressed cache to the full one: a long text whose first L tokens
 * ({@code --lengths}) are prefilled and compressed, and whose next C + 1 tokens
 * ({@code --continuation}, default 256) are teacher-forced, so that C next-token distributions
 * are computed through the compressed cache and compared with the full cache's (the runner's
 * fidelity path, {@code dev.kvasir.eval.run.SharedTeacherForcing}). The first continuation
 * token is fed, not scored: the prefill's own last logits were computed before compression.
 *
 * <p>The text: rows of a LongBench jsonl file ({@code --data}, their {@code context}, in file
 * order, skipping those too short), else the haystack essays ({@code --haystack}, each sample
 * from its own seeded paragraph), else a generated text of seeded random sentences. Options:
 * {@code continuation=C}, {@code buckets=B} (position buckets of the per-position means, default 4).
 */
public final class FidelityTask implements Task {
    public static final String NAME = "fidelity";
    /** Metadata keys: continuation tokens scored, and position buckets. */
    public static final String CONTINUATION = "continuation";
    public static final String BUCKETS = "buckets";
    public static final String SOURCE = "source";
    public static final int DEFAULT_CONTINUATION = 256;
    public static final int DEFAULT_BUCKETS = 4;
    /** Tokens the text carries beyond L + C + 1: re-tokenising decoded text may merge a few at the cut. */
    static final int SPARE_TOKENS = 16;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<EvalSample> samples(TaskConfig config) {
        Tokenizer tokenizer = config.requireTokenizer(NAME);
        int continuation = positiveOption(config, CONTINUATION, DEFAULT_CONTINUATION);
        int buckets = positiveOption(config, BUCKETS, DEFAULT_BUCKETS);
        Path data = config.dataPath();
        boolean longBench = data != null && Files.isRegularFile(data) && data.toString().endsWith(".jsonl");
        List<JsonNode> rows = longBench ? Jsonl.read(data) : List.of();
        Haystack essays = data != null && !longBench ? Haystack.load(data) : null;
        List<EvalSample> out = new ArrayList<>();
        for (int length : config.contextLengths()) {
            int needed = length + continuation + 1 + SPARE_TOKENS;
            int nextRow = 0;
            for (int i = 0; i < config.samplesPerPoint(); i++) {
                String text, source;
                if (longBench) {
                    int row = nextRow;
                    String found = null;
                    for (; row < rows.size() && found == null; row++) {
                        found = firstTokens(tokenizer, Jsonl.text(rows.get(row), "context", data), needed);
                    }
                    if (found == null) {
                        throw new IllegalArgumentException(data + " has only " + i + " contexts of at least " + needed + " tokens ("
                                + length + " + " + continuation + " + " + (1 + SPARE_TOKENS) + "), " + config.samplesPerPoint() + " asked for");
                    }
                    text = found;
                    source = data.getFileName() + " row " + row; // 1-based line of the row used
                    nextRow = row;
                } else if (essays != null) {
                    Random rnd = Seeds.random(config.seed(), Seeds.of(NAME), length, i);
                    text = fromParagraph(tokenizer, essays.corpus(), rnd, needed);
                    source = "haystack " + data.getFileName();
                } else {
                    text = generated(tokenizer, Seeds.random(config.seed(), Seeds.of(NAME), length, i), needed);
                    source = "generated";
                }
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put(EvalSample.LENGTH, length);
                meta.put(EvalSample.PROMPT_TOKENS, length);
                meta.put(CONTINUATION, continuation);
                meta.put(BUCKETS, buckets);
                meta.put(SOURCE, source);
                // the id names the continuation too: a re-run with another --continuation into the same
                // directory computes new rows instead of resuming from rows of a different measure
                String id = NAME + "-L" + length + "-c" + continuation + "-s" + i;
                out.add(new EvalSample(id, text, "", "", List.of(), continuation, NAME, meta));
            }
        }
        return config.limited(out);
    }

    private static int positiveOption(TaskConfig config, String key, int fallback) {
        String v = config.option(key).orElse(null);
        if (v == null) return fallback;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(NAME + ": " + key + " must be a positive whole number of tokens, got '" + v + "'");
    }

    /** The text of the first {@code n} tokens of {@code text}, or null when it has fewer. */
    private static String firstTokens(Tokenizer tokenizer, String text, int n) {
        int[] ids = tokenizer.encode(text, false, false);
        return ids.length < n ? null : tokenizer.decode(Arrays.copyOf(ids, n));
    }

    /** {@code n} tokens of the corpus (repeated as needed) from the start of a random paragraph. */
    private static String fromParagraph(Tokenizer tokenizer, String corpus, Random rnd, int n) {
        int at = corpus.indexOf("\n\n", rnd.nextInt(corpus.length()));
        String rotated = at < 0 ? corpus : corpus.substring(at).stripLeading() + "\n\n" + corpus;
        return Haystack.of(rotated).firstTokens(tokenizer, n);
    }

    private static final String[] WORDS = ("time people year way day man thing woman life child world school state family "
            + "student group country problem hand part place case week company system program question work government number "
            + "night point home water room mother area money story fact month lot right study book eye job word business issue "
            + "side kind head house service friend father power hour game line end member law car city community name president "
            + "team minute idea kid body information back parent face others level office door health person art war history "
            + "party result change morning reason research girl guy moment air teacher force education").split(" ");
    private static final String[] VERBS = "sees makes finds keeps takes brings holds reads builds changes follows leaves".split(" ");

    /** Seeded sentences "The W V the W." until the text has {@code n} tokens: a fallback without any corpus. */
    private static String generated(Tokenizer tokenizer, Random rnd, int n) {
        StringBuilder b = new StringBuilder();
        while (true) {
            for (int s = 0; s < 64; s++) {
                b.append("The ").append(WORDS[rnd.nextInt(WORDS.length)]).append(' ').append(VERBS[rnd.nextInt(VERBS.length)])
                        .append(" the ").append(WORDS[rnd.nextInt(WORDS.length)]).append(rnd.nextInt(4) == 0 ? ".\n" : ". ");
            }
            String text = firstTokens(tokenizer, b.toString(), n);
            if (text != null) return text;
        }
    }
}
