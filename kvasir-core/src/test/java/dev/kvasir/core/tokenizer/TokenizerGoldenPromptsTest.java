package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvasir.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The prompts of the golden model outputs (tools/golden) must tokenize to the ids the reference
 * run fed the model, with the model's own BOS policy; otherwise the logit comparisons downstream
 * would compare different inputs.
 */
class TokenizerGoldenPromptsTest {

    @TestFactory
    Stream<DynamicTest> goldenPrompts() {
        Map<String, Supplier<Tokenizer>> models = Map.of(
                "smollm2-135m-instruct-q4_1", TokenizerTestSupport::smollm2,
                "stories260k", TokenizerTestSupport::stories260k,
                "tinystories-656k", TokenizerTestSupport::tinyStories);
        return models.entrySet().stream().flatMap(m -> {
            Map<String, Object> golden = Json.asObject(load(m.getKey()), m.getKey());
            return Json.asArray(golden.get("cases"), "cases").stream().map(o -> {
                Map<String, Object> c = Json.asObject(o, "case");
                String prompt = Json.asString(c.get("prompt"), "prompt");
                boolean addBos = Json.asBoolean(c.get("add_bos"), "add_bos");
                int[] expected = Json.asArray(c.get("prompt_ids"), "prompt_ids").stream().mapToInt(x -> (int) Json.asLong(x, "id")).toArray();
                return DynamicTest.dynamicTest(m.getKey() + " " + c.get("name"), () -> {
                    Tokenizer t = m.getValue().get();
                    assertThat(t.addBosByDefault()).as("BOS policy").isEqualTo(addBos);
                    assertThat(t.encode(prompt, t.addBosByDefault(), true)).containsExactly(expected);
                });
            });
        });
    }

    private static Object load(String name) {
        try (InputStream in = TokenizerGoldenPromptsTest.class.getResourceAsStream("/golden/" + name + ".json")) {
            if (in == null) throw new IllegalStateException("missing test resource golden/" + name + ".json");
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
