package dev.kvasir.core.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text on added tokens: scanning left to right, the longest token starting at the
 * earliest position wins (Hugging Face's leftmost-longest matching). A character trie keeps
 * the scan linear in practice even with hundreds of {@code <|reserved_…|>} tokens.
 */
final class AddedTokenMatcher {
    /** A piece of the input: plain text ({@code token < 0}) or one added token. */
    record Segment(String text, int token, int start) {
        boolean isToken() {
            return token >= 0;
        }
    }

    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        AddedToken token;
    }

    private final Node root = new Node();
    private final boolean empty;

    AddedTokenMatcher(List<AddedToken> tokens) {
        int n = 0;
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            Node node = root;
            for (int i = 0; i < t.content().length(); i++) node = node.next.computeIfAbsent(t.content().charAt(i), c -> new Node());
            if (node.token == null) node.token = t; // the first definition of a duplicated text wins
            n++;
        }
        empty = n == 0;
    }

    /**
     * Splits {@code text}. Control tokens are recognised only when {@code parseSpecial}; the
     * other added tokens always are. Empty text segments are dropped.
     */
    List<Segment> split(String text, boolean parseSpecial) {
        List<Segment> out = new ArrayList<>();
        if (empty) {
            if (!text.isEmpty()) out.add(new Segment(text, -1, 0));
            return out;
        }
        int textStart = 0; // start of the pending text segment
        int i = 0;
        while (i < text.length()) {
            AddedToken match = null;
            int matchEnd = -1;
            Node node = root;
            for (int j = i; j < text.length(); j++) {
                node = node.next.get(text.charAt(j));
                if (node == null) break;
                AddedToken t = node.token;
                if (t != null && (parseSpecial || !t.special()) && boundariesOk(t, text, i, j + 1)) {
                    match = t;
                    matchEnd = j + 1;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            int start = i, end = matchEnd;
            if (match.lstrip()) while (start > textStart && Unicode.isWhiteSpace(text.charAt(start - 1))) start--;
            if (match.rstrip()) while (end < text.length() && Unicode.isWhiteSpace(text.charAt(end))) end++;
            if (start > textStart) out.add(new Segment(text.substring(textStart, start), -1, textStart));
            out.add(new Segment(text.substring(start, end), match.id(), start));
            textStart = end;
            i = end;
        }
        if (textStart < text.length()) out.add(new Segment(text.substring(textStart), -1, textStart));
        return out;
    }

    private static boolean boundariesOk(AddedToken t, String text, int start, int end) {
        if (!t.singleWord()) return true;
        boolean before = start == 0 || !isWordChar(text.codePointBefore(start));
        boolean after = end == text.length() || !isWordChar(text.codePointAt(end));
        return before && after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
