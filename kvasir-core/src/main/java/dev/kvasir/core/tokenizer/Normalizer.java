package dev.kvasir.core.tokenizer;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A text rewrite applied before pre-tokenization (a tokenizer.json {@code normalizer}). */
@FunctionalInterface
interface Normalizer {
    String normalize(String text);

    Normalizer IDENTITY = text -> text;

    static Normalizer unicode(java.text.Normalizer.Form form) {
        return text -> java.text.Normalizer.normalize(text, form);
    }

    static Normalizer lowercase() {
        return text -> text.toLowerCase(Locale.ROOT);
    }

    /** Prepends to non-empty text only, as Hugging Face's Prepend does. */
    static Normalizer prepend(String prefix) {
        return text -> text.isEmpty() ? text : prefix + text;
    }

    static Normalizer replace(Pattern pattern, String content) {
        String replacement = Matcher.quoteReplacement(content);
        return text -> pattern.matcher(text).replaceAll(replacement);
    }

    static Normalizer strip(boolean left, boolean right) {
        return text -> {
            int start = 0, end = text.length();
            if (left) while (start < end && Unicode.isWhiteSpace(text.codePointAt(start))) start += Character.charCount(text.codePointAt(start));
            if (right) while (end > start && Unicode.isWhiteSpace(text.codePointBefore(end))) end -= Character.charCount(text.codePointBefore(end));
            return text.substring(start, end);
        };
    }

    /** Removes combining marks; meant to follow NFD/NFKD as in Hugging Face's StripAccents. */
    static Normalizer stripAccents() {
        Pattern marks = Pattern.compile("\\p{Mn}+");
        return text -> marks.matcher(text).replaceAll("");
    }

    static Normalizer sequence(List<Normalizer> steps) {
        if (steps.isEmpty()) return IDENTITY;
        if (steps.size() == 1) return steps.getFirst();
        Normalizer[] all = steps.toArray(Normalizer[]::new);
        return text -> {
            for (Normalizer n : all) text = n.normalize(text);
            return text;
        };
    }
}
