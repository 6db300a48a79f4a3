package dev.kvasir.core.model;

import dev.kvasir.core.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A loaded model: configuration, weights (memory-mapped), tokenizer and chat template. Load one
 * with {@link #load(Path)} from a GGUF file or a Hugging Face directory; close it to unmap the
 * weights.
 */
public final class Model implements AutoCloseable {
    private final String name;
    private final Path source;
    private final ModelConfig config;
    private final LlamaModel llama;
    private final Tokenizer tokenizer;
    private final String chatTemplate;
    private final AutoCloseable resources;

    Model(String name, Path source, ModelConfig config, ModelWeights weights, Tokenizer tokenizer, String chatTemplate,
          AutoCloseable resources) {
        this.name = name;
        this.source = source;
        this.config = config;
        this.llama = new LlamaModel(config, weights);
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.resources = resources;
    }

    /** Loads a GGUF file, or a Hugging Face directory (config.json + *.safetensors + tokenizer.json). */
    public static Model load(Path path) {
        return ModelLoader.load(path);
    }

    public String name() { return name; }

    public Path source() { return source; }

    public ModelConfig config() { return config; }

    public LlamaModel llama() { return llama; }

    public Tokenizer tokenizer() { return tokenizer; }

    /** The model's own Jinja chat template ({@code tokenizer.chat_template}), if it has one. */
    public Optional<String> chatTemplate() { return Optional.ofNullable(chatTemplate); }

    @Override
    public void close() {
        try {
            if (resources != null) resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + source + ": " + e.getMessage(), e);
        }
    }
}
