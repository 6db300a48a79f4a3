package dev.kvasir.core.tokenizer;

/** A vocabulary entry's kind, numbered as GGUF's {@code tokenizer.ggml.token_type}. */
public enum TokenType {
    UNDEFINED(0),
    NORMAL(1),
    UNKNOWN(2),
    /** Markers such as BOS, EOS, {@code <|im_start|>}: never produced by merges, not rendered as text. */
    CONTROL(3),
    /** Added tokens that are always matched as a whole in the input and rendered as their text. */
    USER_DEFINED(4),
    UNUSED(5),
    /** SentencePiece byte-fallback pieces {@code <0xNN>}. */
    BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a GGUF code, or null when the code is unknown. */
    static TokenType fromCode(int code) {
        for (TokenType t : values()) if (t.code == code) return t;
        return null;
    }

    /** Matched whole in the input before pre-tokenization (llama.cpp's "special token cache"). */
    boolean isAddedToken() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }

    /** Not rendered when decoding. */
    boolean isSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }
}
