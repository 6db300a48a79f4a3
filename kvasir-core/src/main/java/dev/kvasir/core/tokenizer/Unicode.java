package dev.kvasir.core.tokenizer;

/** Character properties as the Rust and Oniguruma code of the reference tokenizers define them. */
final class Unicode {
    private Unicode() {}

    /**
     * The Unicode White_Space property (Rust's {@code char::is_whitespace}, regex {@code \s}).
     * Java's {@link Character#isWhitespace} differs: it excludes no-break spaces and includes
     * U+001C..U+001F.
     */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || Character.isSpaceChar(cp);
    }
}
