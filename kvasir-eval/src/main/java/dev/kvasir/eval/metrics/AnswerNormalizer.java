package dev.kvasir.eval.metrics;

import dev.kvasir.eval.text.PyText;

import java.util.regex.Pattern;

/**
 * LongBench's {@code normalize_answer} (from the SQuAD evaluation script): lower case, remove
 * ASCII punctuation, replace the articles a/an/the by a space, collapse whitespace — in that
 * order, which matters ("the-end" becomes "theend" and keeps its article).
 */
public final class AnswerNormalizer {
    private AnswerNormalizer() {}

    // Python's re is Unicode-aware for str patterns: \b uses Unicode word characters
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);

    public static String normalize(String s) {
        String lower = PyText.lower(s);
        String noPunct = PyText.removeChars(lower, PyText.PUNCTUATION);
        String noArticles = ARTICLES.matcher(noPunct).replaceAll(" ");
        return PyText.collapseWhitespace(noArticles);
    }
}
