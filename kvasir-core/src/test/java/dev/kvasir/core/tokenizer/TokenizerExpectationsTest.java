package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvasir.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Expected ids made by tools/tokenizer/make_expectations.py with independent implementations
 * (sentencepiece, Hugging Face tokenizers): see that script for how each oracle is set up.
 */
class TokenizerExpectationsTest {

    @TestFactory
    Stream<DynamicTest> stories260kSentencePiece() throws IOException {
        return check("stories260k.json", TokenizerTestSupport::stories260k);
    }

    @TestFactory
    Stream<DynamicTest> smollm2ByteLevelBpe() throws IOException {
        return check("smollm2.json", TokenizerTestSupport::smollm2);
    }

    @TestFactory
    Stream<DynamicTest> tinyStoriesTokenizerJson() throws IOException {
        return check("tinystories656k.json", TokenizerTestSupport::tinyStories);
    }

    /** Random texts full of exotic whitespace, digits, marks and emoji (see make_expectations.py). */
    @TestFactory
    Stream<DynamicTest> randomTexts() throws IOException {
        return randomTexts(Map.of("smollm2", TokenizerTestSupport::smollm2, "stories260k", TokenizerTestSupport::stories260k,
                "tinystories656k", TokenizerTestSupport::tinyStories));
    }

    /** The same on the full Llama 3 vocabulary, which only the shared material holds. */
    @TestFactory
    Stream<DynamicTest> randomTextsOnLlama3() throws IOException {
        Tokenizer llama3 = TokenizerTestSupport.llama3();
        return randomTexts(Map.of("llama3", () -> llama3));
    }

    /**
     * The same on the full Qwen3 vocabulary: the shared tokenizer.json, or where that is missing
     * the Qwen2.5 GGUF for the texts NFC leaves alone (the others need Qwen3's NFC normalizer).
     */
    @TestFactory
    Stream<DynamicTest> randomTextsOnQwenVocabulary() throws IOException {
        TokenizerTestSupport.QwenVocabulary qwen = TokenizerTestSupport.qwenVocabulary();
        List<Object> cases = randomCases("qwen3").stream()
                .filter(o -> qwen.normalizesToNfc() || TokenizerTestSupport.nfcInvariant(Json.asString(Json.asObject(o, "case").get("text"), "text")))
                .toList();
        return cases(cases, "qwen3 on " + qwen.source() + " ", qwen::tokenizer);
    }

    private static Stream<DynamicTest> randomTexts(Map<String, Supplier<Tokenizer>> tokenizers) throws IOException {
        Map<String, Object> byTokenizer = Json.asObject(Json.asObject(load("random.json"), "random.json").get("cases"), "cases");
        assertThat(byTokenizer.keySet()).as("tokenizers of random.json")
                .containsExactlyInAnyOrder("llama3", "qwen3", "smollm2", "stories260k", "tinystories656k");
        return tokenizers.entrySet().stream().sorted(Map.Entry.comparingByKey()).flatMap(e -> cases(
                Json.asArray(byTokenizer.get(e.getKey()), e.getKey()), e.getKey() + " ", e.getValue()));
    }

    private static Stream<DynamicTest> check(String resource, Supplier<Tokenizer> tokenizer) throws IOException {
        List<Object> cases = Json.asArray(Json.asObject(load(resource), resource).get("cases"), resource + " cases");
        return cases(cases, "", tokenizer);
    }

    private static Stream<DynamicTest> cases(List<Object> cases, String prefix, Supplier<Tokenizer> tokenizer) {
        return cases.stream().map(o -> {
            Map<String, Object> c = Json.asObject(o, "case");
            String text = Json.asString(c.get("text"), "text");
            boolean parseSpecial = Json.asBoolean(c.get("parse_special"), "parse_special");
            boolean addBos = Json.asBoolean(c.get("add_bos"), "add_bos");
            int[] expected = Json.asArray(c.get("ids"), "ids").stream().mapToInt(x -> (int) Json.asLong(x, "id")).toArray();
            String decoded = c.get("decoded") == null ? null : Json.asString(c.get("decoded"), "decoded");
            String name = prefix + TokenizerTestSupport.printable(text) + (addBos ? " +bos" : "") + (parseSpecial ? "" : " raw");
            return DynamicTest.dynamicTest(name, () -> {
                Tokenizer t = tokenizer.get();
                int[] ids = t.encode(text, addBos, parseSpecial);
                assertThat(ids).as("ids of %s", name).containsExactly(expected);
                if (decoded != null) assertThat(t.decode(ids)).as("decode").isEqualTo(decoded);
            });
        });
    }

    /** The random.json cases of one tokenizer (each: text, parse_special, add_bos, ids, decoded). */
    static List<Object> randomCases(String tokenizer) throws IOException {
        Map<String, Object> byTokenizer = Json.asObject(Json.asObject(load("random.json"), "random.json").get("cases"), "cases");
        return Json.asArray(byTokenizer.get(tokenizer), tokenizer);
    }

    private static Object load(String resource) throws IOException {
        try (InputStream in = TokenizerExpectationsTest.class.getResourceAsStream("/tokenizer/" + resource)) {
            if (in == null) throw new IOException("missing test resource tokenizer/" + resource);
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        }
    }
}
