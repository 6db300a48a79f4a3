package dev.kvasir.core.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the pieces ("words") that BPE encodes independently; a piece never merges
 * with its neighbours. Each step refines the pieces of the previous one, as Hugging Face's
 * pre-tokenizer Sequence does. The byte-level step also respells pieces in GPT-2's alphabet.
 */
@FunctionalInterface
interface PreTokenizer {
    /**
     * @param pieces the pieces so far
     * @param atStart whether the text begins the input (for Metaspace's "first" scheme)
     */
    List<String> split(List<String> pieces, boolean atStart);

    PreTokenizer NONE = (pieces, atStart) -> pieces;

    /** What happens to the matched delimiters, as in Hugging Face's SplitDelimiterBehavior. */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /**
     * Compiles a Hugging Face (Oniguruma) or llama.cpp pattern. UNICODE_CHARACTER_CLASS makes
     * {@code \s}, {@code \w} and case-insensitive matching Unicode-aware as they are there;
     * without it Java's {@code \s} is ASCII only and U+3000 or U+00A0 would split differently.
     */
    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (java.util.regex.PatternSyntaxException e) {
            String translated = translatePropertyNames(regex);
            if (translated.equals(regex)) throw e;
            return Pattern.compile(translated, Pattern.UNICODE_CHARACTER_CLASS);
        }
    }

    /**
     * Oniguruma takes script names bare and negates with a caret ({@code \p{Han}},
     * {@code \p{^Han}}); Java wants {@code \p{IsHan}} and {@code \P{IsHan}}.
     */
    private static String translatePropertyNames(String regex) {
        Matcher m = Pattern.compile("\\\\([pP])\\{(\\^?)([A-Za-z_]+)}").matcher(regex);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            boolean negated = m.group(1).equals("P") ^ !m.group(2).isEmpty();
            String name = m.group(3);
            String replacement = m.group();
            if (!compiles("\\p{" + name + "}") && compiles("\\p{Is" + name + "}")) {
                replacement = (negated ? "\\P{Is" : "\\p{Is") + name + "}";
            } else if (!m.group(2).isEmpty()) {
                replacement = (negated ? "\\P{" : "\\p{") + name + "}";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static boolean compiles(String regex) {
        try {
            Pattern.compile(regex);
            return true;
        } catch (java.util.regex.PatternSyntaxException e) {
            return false;
        }
    }

    static PreTokenizer split(Pattern pattern, Behavior behavior, boolean invert) {
        return (pieces, atStart) -> {
            List<String> out = new ArrayList<>(pieces.size() * 2);
            for (String piece : pieces) splitPiece(piece, pattern, behavior, invert, out);
            return out;
        };
    }

    /** Hugging Face's Digits: numbers isolated, each digit on its own when {@code individual}. */
    static PreTokenizer digits(boolean individual) {
        return split(compile(individual ? "\\p{N}" : "\\p{N}+"), Behavior.ISOLATED, false);
    }

    /**
     * Hugging Face's ByteLevel pre-tokenizer: an optional prefix space, the GPT-2 split when
     * {@code useRegex}, then every piece respelled as GPT-2 byte characters.
     */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        PreTokenizer regex = useRegex ? split(compile(Patterns.GPT2), Behavior.ISOLATED, false) : NONE;
        return (pieces, atStart) -> {
            List<String> in = pieces;
            if (addPrefixSpace) {
                in = new ArrayList<>(pieces.size());
                for (String p : pieces) in.add(p.startsWith(" ") ? p : " " + p);
            }
            List<String> split = regex.split(in, atStart);
            List<String> out = new ArrayList<>(split.size());
            for (String p : split) out.add(ByteLevel.encode(p));
            return out;
        };
    }

    /** Prepend scheme of a Metaspace pre-tokenizer. */
    enum PrependScheme { ALWAYS, FIRST, NEVER }

    /**
     * Hugging Face's Metaspace: spaces become {@code replacement}, a replacement is prepended
     * (to every piece, or only at the start of the input), and the text is split before each
     * replacement character when {@code split}.
     */
    static PreTokenizer metaspace(char replacement, PrependScheme scheme, boolean split) {
        String rep = String.valueOf(replacement);
        Pattern mark = Pattern.compile(Pattern.quote(rep));
        return (pieces, atStart) -> {
            List<String> out = new ArrayList<>(pieces.size());
            for (int i = 0; i < pieces.size(); i++) {
                String p = pieces.get(i).replace(" ", rep);
                boolean prepend = scheme == PrependScheme.ALWAYS || (scheme == PrependScheme.FIRST && atStart && i == 0);
                if (prepend && !p.startsWith(rep)) p = rep + p;
                if (split) splitPiece(p, mark, Behavior.MERGED_WITH_NEXT, false, out);
                else out.add(p);
            }
            return out;
        };
    }

    static PreTokenizer sequence(List<PreTokenizer> steps) {
        if (steps.isEmpty()) return NONE;
        if (steps.size() == 1) return steps.getFirst();
        PreTokenizer[] all = steps.toArray(PreTokenizer[]::new);
        return (pieces, atStart) -> {
            for (PreTokenizer step : all) pieces = step.split(pieces, atStart);
            return pieces;
        };
    }

    /** Splits one piece on a pattern; the span bookkeeping follows Hugging Face's NormalizedString::split. */
    private static void splitPiece(String piece, Pattern pattern, Behavior behavior, boolean invert, List<String> out) {
        if (piece.isEmpty()) return;
        // spans of the piece: matches are delimiters (the gaps between them when inverted)
        IntList spans = new IntList(); // (start, end) pairs
        java.util.BitSet delimiter = new java.util.BitSet();
        int prev = 0;
        Matcher m = pattern.matcher(piece);
        while (m.find()) {
            if (m.start() == m.end()) continue; // empty matches split nothing
            if (prev != m.start()) addSpan(spans, delimiter, prev, m.start(), invert);
            addSpan(spans, delimiter, m.start(), m.end(), !invert);
            prev = m.end();
        }
        if (prev != piece.length()) addSpan(spans, delimiter, prev, piece.length(), invert);
        int n = spans.size() / 2;
        int[] starts = new int[n], ends = new int[n];
        boolean[] delim = new boolean[n];
        for (int i = 0; i < n; i++) {
            starts[i] = spans.get(2 * i);
            ends[i] = spans.get(2 * i + 1);
            delim[i] = delimiter.get(i);
        }
        switch (behavior) {
            case ISOLATED -> {
                for (int i = 0; i < n; i++) out.add(piece.substring(starts[i], ends[i]));
            }
            case REMOVED -> {
                for (int i = 0; i < n; i++) if (!delim[i]) out.add(piece.substring(starts[i], ends[i]));
            }
            case CONTIGUOUS -> {
                // neighbouring spans of the same kind join (runs of non-delimiters too, which
                // happens when the pattern is inverted)
                int i = 0;
                while (i < n) {
                    int j = i + 1;
                    while (j < n && delim[j] == delim[i]) j++;
                    out.add(piece.substring(starts[i], ends[j - 1]));
                    i = j;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                // a delimiter joins the span before it unless that span was itself a delimiter
                int curStart = -1, curEnd = -1;
                boolean previousDelim = false;
                for (int i = 0; i < n; i++) {
                    if (delim[i] && !previousDelim && curStart >= 0) {
                        curEnd = ends[i];
                    } else {
                        if (curStart >= 0) out.add(piece.substring(curStart, curEnd));
                        curStart = starts[i];
                        curEnd = ends[i];
                    }
                    previousDelim = delim[i];
                }
                if (curStart >= 0) out.add(piece.substring(curStart, curEnd));
            }
            case MERGED_WITH_NEXT -> {
                // mirror image: walk from the right, a delimiter joins the span after it
                List<String> reversed = new ArrayList<>();
                int curStart = -1, curEnd = -1;
                boolean nextDelim = false;
                for (int i = n - 1; i >= 0; i--) {
                    if (delim[i] && !nextDelim && curStart >= 0) {
                        curStart = starts[i];
                    } else {
                        if (curStart >= 0) reversed.add(piece.substring(curStart, curEnd));
                        curStart = starts[i];
                        curEnd = ends[i];
                    }
                    nextDelim = delim[i];
                }
                if (curStart >= 0) reversed.add(piece.substring(curStart, curEnd));
                for (int i = reversed.size() - 1; i >= 0; i--) out.add(reversed.get(i));
            }
        }
    }

    private static void addSpan(IntList spans, java.util.BitSet delimiter, int start, int end, boolean isDelimiter) {
        if (isDelimiter) delimiter.set(spans.size() / 2);
        spans.add(start);
        spans.add(end);
    }

    /** The split patterns of the tokenizers llama.cpp knows by {@code tokenizer.ggml.pre}. */
    final class Patterns {
        private Patterns() {}

        /** GPT-2's pattern (also Hugging Face's ByteLevel use_regex). */
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

        /** Llama 3's pattern: letters may take one leading non-letter, numbers go in threes. */
        static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

        /** Qwen2's pattern: Llama 3's with single digits. */
        static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    }
}
