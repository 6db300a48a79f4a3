package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvasir.core.json.Json;
import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Why the Qwen2.5 GGUF may stand in for the shared Qwen3 tokenizer.json
 * ({@link TokenizerTestSupport#qwenVocabulary()}): on llama.cpp's qwen2 vectors and on the random
 * Qwen3 texts that NFC leaves alone (the cases switched to the GGUF when the file is missing) both
 * give the same ids. Needs the shared file, so it runs where that is present (CI), which is where
 * a change of either side would show.
 */
class QwenVocabularyAgreementTest {

    @TestFactory
    Stream<DynamicTest> qwen25GgufAgreesWithQwen3TokenizerJson() throws IOException {
        Tokenizer qwen3 = TokenizerTestSupport.qwen3(), qwen25 = TokenizerTestSupport.qwen25();
        Stream<DynamicTest> vectors = TokenizerVectorsTest.vectors("qwen2").stream().map(v -> DynamicTest.dynamicTest(
                "qwen2 #" + v.index() + " " + TokenizerTestSupport.printable(v.text()),
                () -> assertThat(qwen25.encode(v.text(), false, true)).containsExactly(qwen3.encode(v.text(), false, true))));
        Stream<DynamicTest> random = TokenizerExpectationsTest.randomCases("qwen3").stream()
                .filter(o -> TokenizerTestSupport.nfcInvariant(Json.asString(Json.asObject(o, "case").get("text"), "text"))).map(o -> {
            Map<String, Object> c = Json.asObject(o, "case");
            String text = Json.asString(c.get("text"), "text");
            boolean parseSpecial = Json.asBoolean(c.get("parse_special"), "parse_special");
            boolean addBos = Json.asBoolean(c.get("add_bos"), "add_bos");
            return DynamicTest.dynamicTest("random " + TokenizerTestSupport.printable(text) + (addBos ? " +bos" : "") + (parseSpecial ? "" : " raw"),
                    () -> assertThat(qwen25.encode(text, addBos, parseSpecial)).containsExactly(qwen3.encode(text, addBos, parseSpecial)));
        });
        return Stream.concat(vectors, random);
    }
}
