package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvasir.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokenizer.json pipeline features on tiny trained vocabularies, against Hugging Face
 * tokenizers (tools/tokenizer/make_pipeline_cases.py): every Split behavior, Digits, ByteLevel
 * with prefix space, normalizers, added-token flags, TemplateProcessing, Metaspace schemes, and the
 * Llama 3 and Qwen2/Qwen3 pipelines on ~200 texts each (the full vocabularies are shared material
 * only: this keeps their pre-tokenization tested without it).
 */
class TokenizerPipelineTest {
    @TempDir
    static Path dir;

    @TestFactory
    Stream<DynamicContainer> variants() throws IOException {
        Map<String, Object> root = Json.asObject(load(), "pipeline.json");
        Map<String, Object> bases = Json.asObject(root.get("bases"), "bases");
        Map<String, Object> variants = Json.asObject(root.get("variants"), "variants");
        return variants.entrySet().stream().map(e -> {
            String name = e.getKey();
            Map<String, Object> v = Json.asObject(e.getValue(), name);
            Map<String, Object> doc = new LinkedHashMap<>(Json.asObject(bases.get(Json.asString(v.get("base"), "base")), "base"));
            doc.putAll(Json.asObject(v.get("sections"), "sections"));
            Tokenizer tokenizer = load(name, doc);
            Stream<DynamicTest> cases = Json.asArray(v.get("cases"), "cases").stream().map(o -> {
                Map<String, Object> c = Json.asObject(o, "case");
                String text = Json.asString(c.get("text"), "text");
                boolean addBos = Json.asBoolean(c.get("add_bos"), "add_bos");
                int[] expected = Json.asArray(c.get("ids"), "ids").stream().mapToInt(x -> (int) Json.asLong(x, "id")).toArray();
                String decoded = c.get("decoded") == null ? null : Json.asString(c.get("decoded"), "decoded");
                return DynamicTest.dynamicTest(TokenizerTestSupport.printable(text) + (addBos ? " +bos" : ""), () -> {
                    int[] ids = tokenizer.encode(text, addBos, true);
                    assertThat(ids).as("%s: ids of %s", name, TokenizerTestSupport.printable(text)).containsExactly(expected);
                    if (decoded != null) assertThat(tokenizer.decode(ids)).isEqualTo(decoded);
                });
            });
            return DynamicContainer.dynamicContainer(name, cases);
        });
    }

    private static Tokenizer load(String name, Map<String, Object> doc) {
        try {
            Path sub = Files.createDirectories(dir.resolve(name));
            Path file = sub.resolve("tokenizer.json");
            Files.writeString(file, TestJson.write(doc), StandardCharsets.UTF_8);
            return Tokenizers.fromHuggingFaceJson(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object load() throws IOException {
        try (InputStream in = TokenizerPipelineTest.class.getResourceAsStream("/tokenizer/pipeline.json")) {
            if (in == null) throw new IOException("missing test resource tokenizer/pipeline.json");
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "pipeline.json");
        }
    }

    /** Writes the values {@link Json} reads back as JSON text. */
    static final class TestJson {
        private TestJson() {}

        static String write(Object v) {
            StringBuilder sb = new StringBuilder();
            write(v, sb);
            return sb.toString();
        }

        private static void write(Object v, StringBuilder sb) {
            switch (v) {
                case null -> sb.append("null");
                case String s -> sb.append(Json.quote(s));
                case Map<?, ?> m -> {
                    sb.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (!first) sb.append(',');
                        first = false;
                        sb.append(Json.quote((String) e.getKey())).append(':');
                        write(e.getValue(), sb);
                    }
                    sb.append('}');
                }
                case List<?> l -> {
                    sb.append('[');
                    for (int i = 0; i < l.size(); i++) {
                        if (i > 0) sb.append(',');
                        write(l.get(i), sb);
                    }
                    sb.append(']');
                }
                default -> sb.append(v); // Long, Double, Boolean
            }
        }
    }
}
