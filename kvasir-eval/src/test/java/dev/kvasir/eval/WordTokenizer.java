package dev.kvasir.eval;

import dev.kvasir.core.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A lossless word-level tokenizer for tests, shaped like GPT-2's pre-tokenizer: a word with its
 * leading space, a punctuation mark with its leading space, or a run of other whitespace. The
 * vocabulary grows as text is seen. decode(encode(s)) == s for every s, and token counts are in
 * the range of real BPE tokenizers on English (about 1.3 tokens per word).
 */
public final class WordTokenizer implements Tokenizer {
    private static final Pattern PIECES = Pattern.compile(" ?\\w+| ?[^\\w\\s]|\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> pieces = new ArrayList<>();

    @Override
    public synchronized int[] encode(String text, boolean addBos, boolean parseSpecial) {
        Matcher m = PIECES.matcher(text);
        List<Integer> out = new ArrayList<>();
        int end = 0;
        while (m.find()) {
            if (m.start() != end) throw new IllegalStateException("tokenizer gap at " + end);
            out.add(ids.computeIfAbsent(m.group(), p -> {
                pieces.add(p);
                return pieces.size() - 1;
            }));
            end = m.end();
        }
        if (end != text.length()) throw new IllegalStateException("tokenizer gap at " + end);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public byte[] tokenBytes(int token) {
        return tokenString(token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized String decode(int[] tokens) {
        StringBuilder b = new StringBuilder();
        for (int t : tokens) b.append(pieces.get(t));
        return b.toString();
    }

    @Override
    public synchronized int vocabularySize() {
        return pieces.size();
    }

    @Override
    public synchronized String tokenString(int token) {
        return pieces.get(token);
    }

    @Override
    public int bosToken() {
        return -1;
    }

    @Override
    public int eosToken() {
        return -1;
    }

    @Override
    public int[] stopTokens() {
        return new int[0];
    }

    @Override
    public boolean isSpecial(int token) {
        return false;
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return Map.of();
    }

    @Override
    public boolean addBosByDefault() {
        return false;
    }
}
