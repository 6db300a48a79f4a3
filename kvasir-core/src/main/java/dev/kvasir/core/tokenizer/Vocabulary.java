package dev.kvasir.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Token strings with their ids, scores, types, and the bytes each one decodes to. The byte
 * spelling is worked out once here, so decoding is a concatenation of precomputed arrays.
 */
final class Vocabulary {
    /** How vocabulary strings spell text. */
    enum Spelling {
        /** GPT-2 byte-to-unicode characters (byte-level BPE). */
        BYTE_LEVEL,
        /** SentencePiece: '▁' is a space, {@code <0xNN>} pieces are single bytes. */
        SENTENCEPIECE,
        /** The string is the text. */
        RAW
    }

    private static final char SPACE_MARK = '\u2581';

    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final byte[][] bytes;
    private final Map<String, Integer> ids;
    private final int[] byteTokens = new int[256];

    Vocabulary(String[] tokens, float[] scores, TokenType[] types, Spelling spelling) {
        this.tokens = tokens;
        this.scores = scores != null ? scores : new float[tokens.length];
        this.types = types;
        this.ids = HashMap.newHashMap(tokens.length);
        this.bytes = new byte[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            // a later duplicate wins, as in llama.cpp's token_to_id
            if (tokens[i] != null) ids.put(tokens[i], i);
            bytes[i] = spell(tokens[i] == null ? "" : tokens[i], types[i], spelling);
        }
        for (int b = 0; b < 256; b++) byteTokens[b] = id(String.format("<0x%02X>", b));
    }

    private static byte[] spell(String token, TokenType type, Spelling spelling) {
        // added tokens are stored as the text they stand for, whatever the model's alphabet
        if (type.isAddedToken()) return token.getBytes(StandardCharsets.UTF_8);
        switch (spelling) {
            case BYTE_LEVEL -> {
                byte[] b = ByteLevel.decode(token);
                return b != null ? b : token.getBytes(StandardCharsets.UTF_8);
            }
            case SENTENCEPIECE -> {
                int byteValue = byteTokenValue(token);
                if (byteValue >= 0 && (type == TokenType.BYTE || type == TokenType.NORMAL)) return new byte[] {(byte) byteValue};
                return token.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                return token.getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    /** The byte a {@code <0xNN>} piece stands for, or -1. */
    static int byteTokenValue(String token) {
        if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') return -1;
        int hi = Character.digit(token.charAt(3), 16), lo = Character.digit(token.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** The id of {@code <0xNN>} for a byte, or -1 when the vocabulary has no such piece. */
    int byteToken(int b) {
        return byteTokens[b & 0xFF];
    }

    int size() {
        return tokens.length;
    }

    /** The id of a token string, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** The token string; "" for an id no token uses (a gap in a tokenizer.json vocabulary). */
    String token(int id) {
        return tokens[id] == null ? "" : tokens[id];
    }

    float score(int id) {
        return scores[id];
    }

    TokenType type(int id) {
        return types[id];
    }

    /** The bytes of a token; the array is shared, callers must not modify it. */
    byte[] bytes(int id) {
        return bytes[id];
    }

    boolean contains(int id) {
        return id >= 0 && id < tokens.length;
    }
}
