package dev.kvasir.core.tokenizer;

import dev.kvasir.core.MissingTestMaterial;
import dev.kvasir.core.TestResources;
import dev.kvasir.core.fetch.ModelRegistry;
import dev.kvasir.core.gguf.GgufFile;
import dev.kvasir.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Shared tokenizers for the tests, each loaded once (the Llama 3 and Qwen3 files are large). */
final class TokenizerTestSupport {
    private TokenizerTestSupport() {}

    private static Tokenizer llama3, qwen3, qwen25, tinyStories, stories260k, smollm2;

    static synchronized Tokenizer llama3() {
        if (llama3 == null) llama3 = Tokenizers.fromHuggingFaceJson(TestResources.shared("tokenizers/llama3/tokenizer.json"));
        return llama3;
    }

    static synchronized Tokenizer qwen3() {
        if (qwen3 == null) qwen3 = Tokenizers.fromHuggingFaceJson(TestResources.shared("tokenizers/qwen3/tokenizer.json"));
        return qwen3;
    }

    /** Qwen2.5-Coder-0.5B-Instruct's GGUF tokenizer, the GGUF fetched through the model registry when missing (491 MB). */
    static synchronized Tokenizer qwen25() {
        if (qwen25 == null) {
            Path gguf = TestResources.registeredModel(ModelRegistry.QWEN25_CODER_05B);
            qwen25 = Tokenizers.fromGgufMetadata(ggufMetadata(gguf), gguf);
        }
        return qwen25;
    }

    /**
     * Qwen's byte-level BPE vocabulary and merges, which Qwen2, Qwen2.5 and Qwen3 share: the shared
     * Qwen3 tokenizer.json when present, else the Qwen2.5 GGUF's tokenizer, which the project
     * fetches itself. Only for texts NFC leaves alone, on which the two give the same ids (checked by
     * {@link QwenVocabularyAgreementTest}); their added and special
     * tokens differ (Qwen3's {@code <think>}, ...), so tests of those keep the Qwen3 file.
     */
    static QwenVocabulary qwenVocabulary() {
        try {
            return new QwenVocabulary("qwen3 tokenizer.json", qwen3());
        } catch (MissingTestMaterial e) {
            return new QwenVocabulary("qwen2.5 gguf", qwen25());
        }
    }

    /** A tokenizer and where it came from, for test names. */
    record QwenVocabulary(String source, Tokenizer tokenizer) {
        /** Qwen3's tokenizer.json normalizes to NFC first; the GGUF, like llama.cpp, does not normalize. */
        boolean normalizesToNfc() { return tokenizer == qwen3; }
    }

    /** Texts NFC leaves alone, on which the Qwen3 tokenizer.json's normalizer cannot make it differ from the GGUF. */
    static boolean nfcInvariant(String text) {
        return java.text.Normalizer.isNormalized(text, java.text.Normalizer.Form.NFC);
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

    /** The default model's GGUF, fetched into the model cache when missing. */
    static Path smollm2Gguf() {
        return TestResources.defaultModel();
    }

    static Map<String, Object> ggufMetadata(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return file.metadata(); // plain heap values: usable after the mapping is closed
        }
    }

    /**
     * GGUF-style tokenizer metadata from a byte-level tokenizer.json, as convert_hf_to_gguf.py
     * writes it: tokens by id, merges as "a b", added special tokens typed CONTROL (3), other
     * added tokens USER_DEFINED (4).
     */
    static Map<String, Object> ggufMetadataFromTokenizerJson(Path tokenizerJson, String pre) {
        Map<String, Object> root;
        try {
            root = Json.asObject(Json.parse(Files.readString(tokenizerJson), tokenizerJson.toString()), "root");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, Object> model = Json.asObject(root.get("model"), "model");
        Map<String, Object> vocab = Json.asObject(model.get("vocab"), "vocab");
        List<Object> added = Json.asArray(root.get("added_tokens"), "added_tokens");
        int n = vocab.size() + added.size();
        String[] tokens = new String[n];
        int[] types = new int[n];
        java.util.Arrays.fill(types, 1);
        vocab.forEach((text, id) -> tokens[(int) Json.asLong(id, "id")] = text);
        for (Object o : added) {
            Map<String, Object> t = Json.asObject(o, "added");
            int id = (int) Json.asLong(t.get("id"), "id");
            tokens[id] = Json.asString(t.get("content"), "content");
            types[id] = Json.asBoolean(t.get("special"), "special") ? 3 : 4;
        }
        String[] merges = Json.asArray(model.get("merges"), "merges").stream()
                .map(m -> m instanceof String s ? s : String.join(" ", Json.asArray(m, "merge").stream().map(String.class::cast).toList()))
                .toArray(String[]::new);
        Map<String, Object> meta = new java.util.HashMap<>();
        meta.put("tokenizer.ggml.model", "gpt2");
        meta.put("tokenizer.ggml.pre", pre);
        meta.put("tokenizer.ggml.tokens", tokens);
        meta.put("tokenizer.ggml.token_type", types);
        meta.put("tokenizer.ggml.merges", merges);
        return meta;
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
