package dev.kvasir.eval.task;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The needle test's texts. Defaults: KVCache-Factory's needle, a question about it, kvpress's
 * context wrapper, and the key phrases scored by {@code niah-keywords}.
 *
 * @param needle       the sentence hidden in the haystack
 * @param question     asked after the context
 * @param answerPrefix the answer is forced to start with this (empty for none)
 * @param expected     the reference answer (reported, and used when {@code keywords} is empty)
 * @param keywords     key phrases the answer must contain, each worth an equal share of the score
 * @param wrapper      the context template; {@code {context}} is replaced by the haystack with the needle
 * @param snap         how the insertion point moves to a sentence boundary
 * @param maxNewTokens generation limit (KVCache-Factory uses 30 and stops at a newline)
 */
public record NiahSettings(
        String needle,
        String question,
        String answerPrefix,
        String expected,
        List<String> keywords,
        String wrapper,
        NeedlePlacer.Snap snap,
        int maxNewTokens) {

    public static final String DEFAULT_NEEDLE =
            "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.";
    public static final String DEFAULT_QUESTION = "What is the best thing to do in San Francisco?";
    public static final String DEFAULT_ANSWER_PREFIX = "The best thing to do in San Francisco is";
    public static final String DEFAULT_EXPECTED = "eat a sandwich and sit in Dolores Park on a sunny day";
    public static final List<String> DEFAULT_KEYWORDS = List.of("sandwich", "Dolores Park", "sunny day");
    /** kvpress's needle wrapper. */
    public static final String DEFAULT_WRAPPER = "This is a very long story book: <book> {context} </book>.";

    public NiahSettings {
        keywords = List.copyOf(keywords);
        if (!wrapper.contains("{context}")) throw new IllegalArgumentException("the wrapper must contain {context}: " + wrapper);
        if (maxNewTokens <= 0) throw new IllegalArgumentException("maxNewTokens must be positive");
    }

    public static NiahSettings defaults() {
        return new NiahSettings(DEFAULT_NEEDLE, DEFAULT_QUESTION, DEFAULT_ANSWER_PREFIX, DEFAULT_EXPECTED,
                DEFAULT_KEYWORDS, DEFAULT_WRAPPER, NeedlePlacer.Snap.NEAREST, 32);
    }

    /**
     * Settings from string options ({@code needle}, {@code question}, {@code answerPrefix},
     * {@code expected}, {@code keywords} separated by {@code |}, {@code wrapper}, {@code snap} =
     * nearest|backward, {@code maxNewTokens}); absent keys keep the defaults. A custom needle
     * without keywords is scored on its expected answer.
     */
    public static NiahSettings fromOptions(Map<String, String> o) {
        NiahSettings d = defaults();
        boolean customNeedle = o.containsKey("needle") || o.containsKey("expected");
        List<String> keywords = o.containsKey("keywords")
                ? Arrays.stream(o.get("keywords").split("\\|")).map(String::strip).filter(s -> !s.isEmpty()).toList()
                : customNeedle ? List.of() : d.keywords();
        return new NiahSettings(
                o.getOrDefault("needle", d.needle()),
                o.getOrDefault("question", d.question()),
                o.getOrDefault("answerPrefix", d.answerPrefix()),
                o.getOrDefault("expected", d.expected()),
                keywords,
                o.getOrDefault("wrapper", d.wrapper()),
                NeedlePlacer.Snap.valueOf(o.getOrDefault("snap", d.snap().name()).toUpperCase(Locale.ROOT)),
                Integer.parseInt(o.getOrDefault("maxNewTokens", String.valueOf(d.maxNewTokens()))));
    }
}
