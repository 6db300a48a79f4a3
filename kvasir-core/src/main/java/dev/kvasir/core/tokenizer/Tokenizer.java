package dev.kvasir.core.tokenizer;

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
