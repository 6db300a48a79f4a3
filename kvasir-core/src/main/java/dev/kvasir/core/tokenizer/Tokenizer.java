package dev.kvasir.core.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Text to token ids and back. Implementations: SentencePiece BPE with byte fallback
 * ({@code llama}) and byte-level BPE ({@code gpt2} family), built from GGUF metadata or from a
 * Hugging Face {@code tokenizer.json} (see {@link Tokenizers}). Implementations are immutable
 * and safe to share between threads.
 */
public interface Tokenizer {
    /**
     * Encodes {@code text}. Special tokens written in the text (e.g. {@code <|im_start|>}) are
     * recognised as single tokens when {@code parseSpecial} is true, and treated as plain text
     * otherwise. BOS is prepended when {@code addBos} is true and the model has one.
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /**
     * A stretch of the input of {@link #encode(List, boolean)}: its text, and whether special tokens
     * written in it are recognised (template text) or read as plain text (what a user wrote).
     */
    record Span(String text, boolean parseSpecial) {
        public Span {
            java.util.Objects.requireNonNull(text, "text");
        }
    }

    /**
     * Encodes the spans as one input, each span parsing special tokens or not as it says: a chat
     * prompt whose template text may hold control tokens while the messages' content may not
     * forge them. Plain text is encoded as {@link #encode(String, boolean, boolean)} encodes it at
     * the same place of one input (a SentencePiece space prefix only at the very start or after a
     * token), except that no BPE merge crosses a span boundary. This default encodes each span on
     * its own and concatenates.
     */
    default int[] encode(List<Span> spans, boolean addBos) {
        java.util.ArrayList<int[]> parts = new java.util.ArrayList<>();
        int n = 0;
        boolean first = true;
        for (Span s : spans) {
            if (s.text().isEmpty()) continue;
            int[] ids = encode(s.text(), addBos && first, s.parseSpecial());
            first = false;
            parts.add(ids);
            n += ids.length;
        }
        if (first && addBos && bosToken() >= 0) return new int[] {bosToken()};
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Encodes plain text: no BOS, special tokens parsed. */
    default int[] encode(String text) {
        return encode(text, false, true);
    }

    /** The raw bytes a token stands for (byte-fallback and byte-level tokens decoded). */
    byte[] tokenBytes(int token);

    /**
     * Decodes a sequence to text; invalid UTF-8 is replaced by U+FFFD. Special tokens are not
     * rendered. For SentencePiece models that add a dummy prefix space, the space that prefix
     * put before the first word is dropped again (after a leading BOS too), so
     * {@code decode(encode(x)) == x}.
     */
    String decode(int[] tokens);

    int vocabularySize();

    /** The token's string as stored in the vocabulary. */
    String tokenString(int token);

    /** Beginning-of-sequence id, or -1. */
    int bosToken();

    /** End-of-sequence id, or -1. */
    int eosToken();

    /** Ids that end generation (EOS, end-of-turn, ...). */
    int[] stopTokens();

    /** Whether the token is a special/control token (not rendered as text when decoding). */
    boolean isSpecial(int token);

    /** Special and added tokens by their text. */
    Map<String, Integer> specialTokens();

    /**
     * Whether the model expects BOS at the start of a prompt (GGUF {@code add_bos_token},
     * or tokenizer.json's post-processor / tokenizer_config.json); callers pass it as
     * {@code addBos} when encoding a whole prompt.
     */
    boolean addBosByDefault();

    /** The chat template shipped with the tokenizer (Jinja source), if any. */
    default Optional<String> chatTemplate() { return Optional.empty(); }
}
