package dev.kvasir.core.tokenizer;

/**
 * A token matched whole in the input before normalization and pre-tokenization: control tokens
 * ({@code special}, only matched when special tokens are parsed) and user-defined tokens
 * (always matched). The flags are Hugging Face's: {@code lstrip}/{@code rstrip} swallow the
 * whitespace beside the token, {@code singleWord} matches only between word boundaries,
 * {@code normalized} matches against normalized rather than raw text.
 */
record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip,
                  boolean singleWord, boolean normalized) {
    static AddedToken of(String content, int id, boolean special) {
        return new AddedToken(content, id, special, false, false, false, false);
    }
}
