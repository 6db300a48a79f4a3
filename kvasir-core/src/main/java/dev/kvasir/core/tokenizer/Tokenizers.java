package dev.kvasir.core.tokenizer;

import java.nio.file.Path;
import java.util.Map;

/** Builds tokenizers from model files. Malformed input gives a {@link dev.kvasir.core.ModelFormatException}. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * A tokenizer from GGUF metadata ({@code tokenizer.ggml.*} keys; {@code tokenizer.ggml.model}
     * "llama" for SentencePiece, "gpt2" for byte-level BPE with {@code tokenizer.ggml.pre}
     * choosing the split rules). Values are as the GGUF reader gives them: integer scalars
     * {@link Long}, floats {@link Float}, booleans, strings, and arrays as {@code String[]},
     * {@code int[]}, {@code long[]} or {@code float[]}.
     *
     * @param sourceForErrors the GGUF file, named in error messages
     */
    public static Tokenizer fromGgufMetadata(Map<String, Object> metadata, Path sourceForErrors) {
        return new GgufTokenizerLoader(metadata, sourceForErrors).load();
    }

    /**
     * A tokenizer from a Hugging Face {@code tokenizer.json} (model type BPE, byte-level or
     * with byte fallback). {@code tokenizer_config.json} and {@code generation_config.json}
     * beside it, when present, supply BOS/EOS, add_bos_token and the chat template.
     */
    public static Tokenizer fromHuggingFaceJson(Path tokenizerJson) {
        return new HuggingFaceTokenizerLoader(tokenizerJson).load();
    }
}
