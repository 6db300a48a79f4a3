package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.TestResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Special ids, stop tokens, BOS policy, templates, and errors for malformed input. */
class TokenizerMetadataTest {
    @TempDir
    Path tmp;

    @Test
    void stories260kSentencePieceMetadata() {
        Tokenizer t = TokenizerTestSupport.stories260k();
        assertThat(t.vocabularySize()).isEqualTo(512);
        assertThat(t.bosToken()).isEqualTo(1);
        assertThat(t.eosToken()).isEqualTo(2);
        assertThat(t.addBosByDefault()).as("llama.cpp's default for SentencePiece").isTrue();
        assertThat(t.stopTokens()).containsExactly(2);
        assertThat(t.isSpecial(1)).isTrue();
        assertThat(t.isSpecial(0)).as("<unk>").isTrue();
        assertThat(t.isSpecial(259)).isFalse();
        assertThat(t.specialTokens()).containsEntry("<s>", 1).containsEntry("</s>", 2).containsEntry("<unk>", 0);
        assertThat(t.tokenString(259)).isEqualTo("▁t");
        assertThat(t.tokenBytes(259)).isEqualTo(" t".getBytes(StandardCharsets.UTF_8));
        assertThat(t.tokenBytes(3)).containsExactly(0x00);
        assertThat(t.tokenBytes(3 + 0xE2)).containsExactly((byte) 0xE2);
        assertThat(t.chatTemplate()).isEmpty();
        // the dummy prefix space is dropped when decoding, after BOS too
        int[] ids = t.encode("Once upon a time", true, true);
        assertThat(ids[0]).isEqualTo(1);
        assertThat(t.decode(ids)).isEqualTo("Once upon a time");
        assertThat(t.encode("", true, true)).containsExactly(1);
        assertThat(t.encode("")).isEmpty();
    }

    @Test
    void smollm2ByteLevelMetadata() {
        Tokenizer t = TokenizerTestSupport.smollm2();
        assertThat(t.vocabularySize()).isEqualTo(49152);
        assertThat(t.bosToken()).isEqualTo(1);
        assertThat(t.eosToken()).isEqualTo(2);
        assertThat(t.addBosByDefault()).isFalse();
        assertThat(t.stopTokens()).containsExactlyInAnyOrder(2, 0); // <|im_end|>, <|endoftext|>
        assertThat(t.specialTokens()).hasSize(17).containsEntry("<|im_start|>", 1).containsEntry("<|im_end|>", 2);
        assertThat(t.chatTemplate()).hasValueSatisfying(s -> assertThat(s).contains("<|im_start|>"));
        assertThat(t.tokenString(216)).isEqualTo("Ġ");
        assertThat(t.tokenBytes(216)).containsExactly(' ');
        assertThat(t.tokenBytes(1)).isEqualTo("<|im_start|>".getBytes(StandardCharsets.UTF_8));
        int[] chat = t.encode("<|im_start|>user\nHi<|im_end|>\n");
        assertThat(chat[0]).isEqualTo(1);
        assertThat(t.decode(chat)).as("control tokens are not rendered").isEqualTo("user\nHi\n");
        assertThat(t.encode("<|im_start|>", false, false)).as("parseSpecial=false spells the text").hasSizeGreaterThan(1);
    }

    /** The shared Llama 3 and Qwen3 files come with a tokenizer_config.json each. */
    @Test
    void tokenizerJsonWithConfig() {
        Tokenizer llama3 = TokenizerTestSupport.llama3();
        assertThat(llama3.bosToken()).isEqualTo(128000);
        assertThat(llama3.eosToken()).isEqualTo(128001);
        assertThat(llama3.stopTokens()).containsExactly(128001, 128009); // <|end_of_text|>, <|eot_id|> (Llama 3.0: no eom)
        assertThat(llama3.addBosByDefault()).as("this file's post-processor adds nothing, nor does its config").isFalse();
        assertThat(llama3.chatTemplate()).hasValueSatisfying(s -> assertThat(s).contains("<|start_header_id|>"));
        assertThat(llama3.encode("Hi", true, true)).containsExactly(128000, 13347);

        Tokenizer qwen3 = TokenizerTestSupport.qwen3();
        assertThat(qwen3.bosToken()).isEqualTo(-1);
        assertThat(qwen3.encode("Hi", true, true)).as("no BOS to add").containsExactly(13048);
        assertThat(qwen3.eosToken()).as("the config's eos_token <|im_end|>").isEqualTo(151645);
        assertThat(qwen3.chatTemplate()).hasValueSatisfying(s -> assertThat(s).contains("<|im_start|>"));
        assertThat(qwen3.stopTokens()).containsExactly(151645, 151643);
        assertThat(qwen3.isSpecial(151644)).isTrue();
        assertThat(qwen3.isSpecial(151667)).as("<think> is an added token but not special").isFalse();
        assertThat(qwen3.decode(qwen3.encode("<think>x</think>"))).isEqualTo("<think>x</think>");
    }

    @Test
    void tokenizerConfigBesideTheJsonSuppliesSpecials() {
        Tokenizer t = TokenizerTestSupport.tinyStories();
        assertThat(t.bosToken()).isEqualTo(1);
        assertThat(t.eosToken()).isEqualTo(2);
        assertThat(t.addBosByDefault()).isTrue();
        assertThat(t.stopTokens()).containsExactly(2);
        assertThat(t.chatTemplate()).isEmpty();
        assertThat(t.decode(t.encode("Once upon a time", true, true))).isEqualTo("Once upon a time");
    }

    @Test
    void chatTemplateAndEosListsComeFromSideFiles() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.copy(TestResources.tinystories656k().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<|start_story|>"}, "eos_token": "<|end_story|>", "add_bos_token": false,
                 "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}""");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, 0]}");
        Tokenizer t = Tokenizers.fromHuggingFaceJson(dir.resolve("tokenizer.json"));
        assertThat(t.chatTemplate()).hasValue("D");
        assertThat(t.addBosByDefault()).as("the config overrides the template").isFalse();
        assertThat(t.stopTokens()).containsExactly(2, 0);
    }

    // ---- malformed input -------------------------------------------------------------------

    private static Map<String, Object> minimalGguf() {
        Map<String, Object> m = new HashMap<>();
        m.put("tokenizer.ggml.model", "gpt2");
        m.put("tokenizer.ggml.pre", "gpt2");
        m.put("tokenizer.ggml.tokens", new String[] {"a", "b", "ab", "Ġ"});
        m.put("tokenizer.ggml.merges", new String[] {"a b"});
        return m;
    }

    @Test
    void minimalGgufWorks() {
        Tokenizer t = Tokenizers.fromGgufMetadata(minimalGguf(), Path.of("x.gguf"));
        assertThat(t.encode("ab ab")).containsExactly(2, 3, 2);
        assertThat(t.decode(new int[] {2, 3, 2})).isEqualTo("ab ab");
        assertThat(t.bosToken()).isEqualTo(-1);
    }

    /** SentencePiece merges by the score of the merged piece, not by position or rank. */
    @Test
    void sentencePieceMergesHighestScoreFirst() {
        Map<String, Object> m = new HashMap<>();
        m.put("tokenizer.ggml.model", "llama");
        m.put("tokenizer.ggml.tokens", new String[] {"<unk>", "<s>", "</s>", "<0x41>", "a", "b", "c", "ab", "bc", "▁", "▁a", "<eot>"});
        m.put("tokenizer.ggml.scores", new float[] {0, 0, 0, 0, 0, 0, 0, -5, -1, 0, -9, 0});
        m.put("tokenizer.ggml.token_type", new int[] {2, 3, 3, 6, 1, 1, 1, 1, 1, 1, 1, 3});
        m.put("tokenizer.ggml.add_space_prefix", false);
        m.put("tokenizer.ggml.eot_token_id", 11L);
        Tokenizer t = Tokenizers.fromGgufMetadata(m, Path.of("spm.gguf"));
        assertThat(t.encode("abc")).as("bc (score -1) beats ab (-5)").containsExactly(4, 8);
        assertThat(t.encode("ab")).containsExactly(7);
        assertThat(t.encode("A")).as("byte fallback").containsExactly(3);
        assertThat(t.encode("z")).as("no byte piece: unknown").containsExactly(0);
        assertThat(t.encode(" a")).as("no dummy prefix").containsExactly(10);
        assertThat(t.decode(t.encode("ab"))).isEqualTo("ab");
        assertThat(t.stopTokens()).containsExactly(2, 11);
        assertThat(t.addBosByDefault()).isTrue();
    }

    @Test
    void ggufErrorsNameFileAndField() {
        Path file = Path.of("model.gguf");
        expectGgufError(m -> m.remove("tokenizer.ggml.tokens"), file, "tokenizer.ggml.tokens", "missing");
        expectGgufError(m -> m.put("tokenizer.ggml.tokens", new int[] {1}), file, "tokenizer.ggml.tokens", "expected an array of strings");
        expectGgufError(m -> m.put("tokenizer.ggml.model", "bert"), file, "tokenizer.ggml.model", "unsupported tokenizer model 'bert'");
        expectGgufError(m -> m.remove("tokenizer.ggml.model"), file, "tokenizer.ggml.model", "missing");
        expectGgufError(m -> m.put("tokenizer.ggml.pre", "klingon"), file, "tokenizer.ggml.pre", "unsupported pre-tokenizer");
        expectGgufError(m -> m.put("tokenizer.ggml.merges", new String[] {"ab"}), file, "tokenizer.ggml.merges", "entry 0");
        expectGgufError(m -> m.remove("tokenizer.ggml.merges"), file, "tokenizer.ggml.merges", "missing");
        expectGgufError(m -> m.put("tokenizer.ggml.token_type", new int[] {1, 1}), file, "tokenizer.ggml.token_type", "2 entries for 4 tokens");
        expectGgufError(m -> m.put("tokenizer.ggml.token_type", new int[] {1, 1, 9, 1}), file, "tokenizer.ggml.token_type", "unknown token type 9");
        expectGgufError(m -> m.put("tokenizer.ggml.bos_token_id", "1"), file, "tokenizer.ggml.bos_token_id", "expected an integer");
        expectGgufError(m -> m.put("tokenizer.ggml.add_bos_token", 1L), file, "tokenizer.ggml.add_bos_token", "expected a boolean");
        expectGgufError(m -> {
            m.put("tokenizer.ggml.model", "llama");
            m.put("tokenizer.ggml.scores", new float[] {0f});
        }, file, "tokenizer.ggml.scores", "1 entries for 4 tokens");
    }

    @Test
    void ggufSentinelIdsMeanNone() {
        Map<String, Object> m = minimalGguf();
        m.put("tokenizer.ggml.bos_token_id", 0xFFFFFFFFL);
        m.put("tokenizer.ggml.eos_token_id", 99L); // out of range: ignored, as llama.cpp does
        Tokenizer t = Tokenizers.fromGgufMetadata(m, Path.of("x.gguf"));
        assertThat(t.bosToken()).isEqualTo(-1);
        assertThat(t.eosToken()).isEqualTo(-1);
    }

    private static void expectGgufError(java.util.function.Consumer<Map<String, Object>> edit, Path file, String field, String message) {
        Map<String, Object> m = minimalGguf();
        edit.accept(m);
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(m, file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((ModelFormatException) e).field()).isEqualTo(field));
    }

    @Test
    void tokenizerJsonErrorsNameFileAndField() throws IOException {
        expectJsonError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []", null, "not valid JSON");
        expectJsonError("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "model.type", "unsupported model type 'WordPiece'");
        expectJsonError("{}", "model", "expected a JSON object");
        expectJsonError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}", "model.merges[0]", "not in the vocabulary");
        expectJsonError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"x\"}, \"merges\": []}}", "model.vocab[\"a\"]", "expected a token id");
        expectJsonError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}",
                "pre_tokenizer.type", "unsupported pre-tokenizer 'BertPreTokenizer'");
        expectJsonError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"normalizer\": {\"type\": \"Sequence\", "
                + "\"normalizers\": [{\"type\": \"Precompiled\"}]}}", "normalizer.normalizers[0].type", "unsupported normalizer 'Precompiled'");
        expectJsonError("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"added_tokens\": [{\"id\": 1}]}",
                "added_tokens[0].content", "expected a string");
        assertThatThrownBy(() -> Tokenizers.fromHuggingFaceJson(tmp.resolve("missing/tokenizer.json")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("missing");
    }

    private void expectJsonError(String json, String field, String message) throws IOException {
        Path file = Files.createTempFile(tmp, "tokenizer", ".json");
        Files.writeString(file, json);
        assertThatThrownBy(() -> Tokenizers.fromHuggingFaceJson(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((ModelFormatException) e).field()).isEqualTo(field));
    }

    @Test
    void outOfRangeIdsAreRejected() {
        Tokenizer t = TokenizerTestSupport.stories260k();
        assertThatThrownBy(() -> t.decode(new int[] {512})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.tokenBytes(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
