package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvasir.core.TestResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * llama.cpp's tokenizer test vectors (tests/ggml-vocab-NAME.gguf.inp/.out, written by
 * convert_hf_to_gguf_update.py from Hugging Face's tokenizer with add_special_tokens=False, so
 * the ids carry no BOS) against the matching tokenizer.json. Every text must give exactly the
 * expected ids and decode back to itself.
 */
class TokenizerVectorsTest {
    /** The .inp format: each text is followed by this separator line (the file ends with one). */
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    record Vector(int index, String text, int[] ids) {}

    static List<Vector> vectors(String name) throws IOException {
        Path dir = TestResources.tokenizerVectors();
        String inp = Files.readString(dir.resolve("ggml-vocab-" + name + ".gguf.inp"), StandardCharsets.UTF_8);
        List<String> lines = Files.readAllLines(dir.resolve("ggml-vocab-" + name + ".gguf.out"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        int pos = 0;
        for (int next; (next = inp.indexOf(SEPARATOR, pos)) >= 0; pos = next + SEPARATOR.length()) {
            texts.add(inp.substring(pos, next));
        }
        assertThat(inp.substring(pos)).as("text after the last separator").isEmpty();
        assertThat(lines).as("one .out line per text").hasSize(texts.size());
        List<Vector> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            out.add(new Vector(i, texts.get(i), ids));
        }
        return out;
    }

    private static Stream<DynamicTest> check(String vectorName, Tokenizer tokenizer) throws IOException {
        return vectors(vectorName).stream().map(v -> DynamicTest.dynamicTest(
                vectorName + " #" + v.index() + " " + TokenizerTestSupport.printable(v.text()), () -> {
                    int[] ids = tokenizer.encode(v.text(), false, true);
                    assertThat(ids).as("ids of %s", TokenizerTestSupport.printable(v.text())).containsExactly(v.ids());
                    assertThat(tokenizer.decode(ids)).isEqualTo(v.text());
                }));
    }

    @TestFactory
    Stream<DynamicTest> llamaBpeVectorsWithLlama3TokenizerJson() throws IOException {
        return check("llama-bpe", TokenizerTestSupport.llama3());
    }

    /** On the Qwen3 tokenizer.json, or where that is missing on the Qwen2.5 GGUF (the vectors are all NFC-invariant). */
    @TestFactory
    Stream<DynamicTest> qwen2VectorsWithQwenVocabulary() throws IOException {
        TokenizerTestSupport.QwenVocabulary qwen = TokenizerTestSupport.qwenVocabulary();
        assertThat(vectors("qwen2")).allSatisfy(v -> assertThat(TokenizerTestSupport.nfcInvariant(v.text())).isTrue());
        return check("qwen2", qwen.tokenizer()).map(t -> DynamicTest.dynamicTest(qwen.source() + ": " + t.getDisplayName(), t.getExecutable()));
    }

    /**
     * The same vectors through the GGUF path: the tokenizer.json vocabulary and merges recast as
     * the {@code tokenizer.ggml.*} metadata convert_hf_to_gguf.py writes, with the pre-type
     * choosing the split rules (which is what llama.cpp's own test runs on ggml-vocab-*.gguf).
     */
    @TestFactory
    Stream<DynamicTest> llamaBpeVectorsThroughGgufMetadata() throws IOException {
        Path json = TestResources.shared("tokenizers/llama3/tokenizer.json");
        return check("llama-bpe", Tokenizers.fromGgufMetadata(TokenizerTestSupport.ggufMetadataFromTokenizerJson(json, "llama-bpe"), json));
    }

    @TestFactory
    Stream<DynamicTest> qwen2VectorsThroughGgufMetadata() throws IOException {
        Path json = TestResources.shared("tokenizers/qwen3/tokenizer.json");
        return check("qwen2", Tokenizers.fromGgufMetadata(TokenizerTestSupport.ggufMetadataFromTokenizerJson(json, "qwen2"), json));
    }

    @Test
    void vectorFilesHoldFortySixTexts() throws IOException {
        assertThat(vectors("llama-bpe")).hasSize(46);
        assertThat(vectors("qwen2")).hasSize(46);
    }
}
