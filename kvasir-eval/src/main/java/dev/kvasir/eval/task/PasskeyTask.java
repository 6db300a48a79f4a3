package dev.kvasir.eval.task;

import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.metrics.PasskeyExact;
import dev.kvasir.eval.metrics.StringMatch;
import dev.kvasir.eval.text.Seeds;
import dev.kvasir.eval.text.TokenFitter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Passkey retrieval (Landmark Attention / LongLoRA): a random 5-digit key hidden at a depth in
 * repeated filler sentences. The prompt is LongLoRA's {@code "\n".join([description, prefix
 * filler, key line, suffix filler, question])} with the question "What is the pass key?" and the
 * answer prefix "The pass key is".
 *
 * <p>The filler is cut at sentence granularity (LongLoRA repeats the five-sentence block) so that
 * the key lands within one short sentence of the requested depth. The number of filler
 * sentences is the largest for which the whole plain prompt has at most
 * {@code length - reserveTokens} tokens. Samples per (length, depth): {@code samplesPerPoint},
 * each with its own key. Metric: {@code string_match_all} on the key; {@code --task-opt metric=exact}
 * scores as LongLoRA does ({@link PasskeyExact}: the answer starts with the key's digits), and the
 * rows then name the task {@code passkey:metric=exact}.
 */
public final class PasskeyTask implements Task {
    public static final String NAME = "passkey";

    public static final String DESCRIPTION = "There is an important info hidden inside a lot of irrelevant text. "
            + "Find it and memorize it. I will quiz you about the important information there.";
    static final List<String> FILLER = List.of(
            "The grass is green.", "The sky is blue.", "The sun is yellow.", "Here we go.", "There and back again.");
    public static final String QUESTION = "\nWhat is the pass key?";
    public static final String ANSWER_PREFIX = " The pass key is";
    static final int MAX_NEW_TOKENS = 16;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<EvalSample> samples(TaskConfig config) {
        Tokenizer tokenizer = config.requireTokenizer(NAME);
        String choice = config.option("metric").orElse("contains");
        if (!choice.equals("contains") && !choice.equals("exact")) {
            throw new IllegalArgumentException("passkey: --task-opt metric=" + choice + " is not one of [contains, exact]");
        }
        List<EvalSample> out = new ArrayList<>();
        for (int length : config.contextLengths()) {
            for (int d = 0; d < config.depths().size(); d++) {
                double depth = config.depths().get(d);
                for (int i = 0; i < config.samplesPerPoint(); i++) {
                    Random rnd = Seeds.random(config.seed(), Seeds.of(NAME), length, Double.doubleToLongBits(depth), i);
                    int key = 10000 + rnd.nextInt(90000);
                    EvalSample e = sample(tokenizer, length - config.reserveTokens(), length, depth, key, i);
                    out.add(choice.equals("exact") ? exact(e) : e);
                }
            }
        }
        return config.limited(out);
    }

    static EvalSample sample(Tokenizer tokenizer, int target, int length, double depth, int key, int index) {
        int sentences = TokenFitter.largestFitting(tokenizer, n -> context(n, depth, key) + QUESTION + ANSWER_PREFIX, target, 1);
        String context = context(sentences, depth, key);
        int promptTokens = TokenFitter.count(tokenizer, context + QUESTION + ANSWER_PREFIX);
        int before = TokenFitter.count(tokenizer, context.substring(0, context.indexOf(keyLine(key))));
        int head = TokenFitter.count(tokenizer, DESCRIPTION + "\n");
        int fillerTokens = Math.max(1, TokenFitter.count(tokenizer, context) - head - TokenFitter.count(tokenizer, keyLine(key)));

        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put(EvalSample.LENGTH, length);
        meta.put(EvalSample.DEPTH, depth);
        meta.put("actualDepth", Math.clamp((double) (before - head) / fillerTokens, 0.0, 1.0));
        meta.put(EvalSample.NEEDLE, keyLine(key));
        meta.put("passkey", String.valueOf(key));
        meta.put(EvalSample.PROMPT_TOKENS, promptTokens);
        String id = String.format(Locale.ROOT, "passkey-L%d-d%.3f-s%d", length, depth, index);
        return new EvalSample(id, context, QUESTION, ANSWER_PREFIX, List.of(String.valueOf(key)), MAX_NEW_TOKENS,
                StringMatch.ALL, meta);
    }

    private static EvalSample exact(EvalSample e) {
        Map<String, Object> meta = new LinkedHashMap<>(e.metadata());
        meta.put(EvalSample.TASK_LABEL, NAME + ":metric=exact");
        return new EvalSample(e.id(), e.context(), e.question(), e.answerPrefix(), e.answers(), e.maxNewTokens(), PasskeyExact.NAME, meta);
    }

    static String keyLine(int key) {
        return "The pass key is " + key + ". Remember it. " + key + " is the pass key.";
    }

    /** Description, filler before the key, the key line, filler after it: joined by newlines as LongLoRA does. */
    static String context(int sentences, double depth, int key) {
        int before = (int) Math.round(depth * sentences);
        return DESCRIPTION + "\n" + filler(0, before) + "\n" + keyLine(key) + "\n" + filler(before, sentences);
    }

    private static String filler(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            if (i > from) b.append(' ');
            b.append(FILLER.get(i % FILLER.size()));
        }
        return b.toString();
    }
}
