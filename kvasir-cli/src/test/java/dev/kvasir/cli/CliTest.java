package dev.kvasir.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The real CLI, in process, on real model files. */
class CliTest {
    record Run(int exit, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void generateWritesTheGreedyStoryOfStories260k() {
        Run r = run("generate", "--model", TestResources.stories260k().toString(), "--prompt", "Once upon a time", "-n", "40",
                "--temperature", "0", "--no-progress");
        assertThat(r.exit()).as(r.err()).isZero();
        // the golden continuation (tools/golden): ", there was a little girl named Lily. She loved to play outside in the park."
        assertThat(r.out()).startsWith(", there was a little girl named Lily. She loved to play outside in the park.");
    }

    @Test
    void generateJsonHasTokensTimingsAndKvReport() throws Exception {
        Run r = run("generate", "--model", TestResources.tinystories656k().toString(), "--prompt", "Once upon a time", "-n", "12",
                "--temperature", "0", "--json", "--kv-precision", "f32");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("tokens").size()).isEqualTo(12);
        assertThat(j.at("/kv/precision").asText()).isEqualTo("f32");
        assertThat(j.get("prompt_tokens").asInt()).isEqualTo(6);
        for (String f : new String[] {"text", "prefill_ms", "decode_ms", "prefill_tps", "decode_tps", "kv"}) assertThat(j.has(f)).as(f).isTrue();
        assertThat(j.get("text").asText()).startsWith(", a little girl named Lily");
        // tinystories-656k: 2 layers, 4 KV heads of 16: 2·2·64·4 bytes of F32 keys and values per token; the prompt's
        // 6 tokens before generation, plus the 11 generated tokens fed back (the 12th is never fed) at the end
        JsonNode kv = j.get("kv");
        assertThat(kv.get("method").asText()).isEqualTo("none");
        assertThat(kv.get("bytes_full_logical").asLong()).isEqualTo(6L * 2 * 2 * 64 * 4).isEqualTo(kv.get("bytes_kept_logical").asLong());
        assertThat(kv.get("bytes_at_end").asLong()).isEqualTo((6L + 11) * 2 * 2 * 64 * 4);
        // held: 8 heads of 18 slots (prompt + reply, sized up front), each a 16-float key, a 16-float value and a position
        assertThat(kv.get("bytes_kept").asLong()).isEqualTo(8L * 18 * (2 * 16 * 4 + 4)).isEqualTo(kv.get("bytes_full").asLong());
    }

    /** A q8 cache: the report names it, and the bytes at the end are q8's (16 values + one F16 scale = 18 bytes a vector). */
    @Test
    void generateWithAQ8CacheReportsItsPrecisionAndBytes() throws Exception {
        Run r = run("generate", "--model", TestResources.tinystories656k().toString(), "--prompt", "Once upon a time", "-n", "12",
                "--temperature", "0", "--json", "--kv-precision", "q8");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode kv = new ObjectMapper().readTree(r.out()).get("kv");
        assertThat(kv.get("precision").asText()).isEqualTo("q8");
        assertThat(kv.get("bytes_at_end").asLong()).isEqualTo((6L + 11) * 2 * 2 * 4 * 18);
    }

    /**
     * A KIVI cache: the report names it per side, and the bytes at the end are what its stores
     * hold. tinystories-656k's heads are 16 values (one short group of channels); 6 prompt tokens
     * and 39 fed back make 45 slots per head: 32 quantised as one group, 13 in the F16 window.
     */
    @Test
    void generateWithAKiviCacheReportsItsPrecisionAndBytes() throws Exception {
        Run r = run("generate", "--model", TestResources.tinystories656k().toString(), "--prompt", "Once upon a time", "-n", "40",
                "--temperature", "0", "--ignore-eos", "--json", "--kv-precision-k", "kivi4", "--kv-precision-v", "kivi2");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode kv = new ObjectMapper().readTree(r.out()).get("kv");
        assertThat(kv.get("precision").asText()).isEqualTo("k=kivi4,v=kivi2");
        long window = 13 * (2 * 16 + 4); // F16 vector and slot index of each token in the window
        // codes are packed in blocks of 32 channels (16 bytes at 4 bits, 8 at 2), as Q4's
        long keys = 45 * (16 + 4) + (4 * 16 + 4) + window; // 4-bit codes and slot index; one group's scales and zero points
        long values = 45 * (8 + 4 + 4) + window; // 2-bit codes, slot index, each token's scale and zero point
        assertThat(kv.get("bytes_at_end").asLong()).isEqualTo(2 * 4 * (keys + values));

        Run bad = run("generate", "--model", TestResources.tinystories656k().toString(), "--prompt", "hi", "--kv-precision", "kivi3");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("kivi3").contains("f32, f16, bf16, q8, q4, kivi4 or kivi2").doesNotContain("Exception in thread");

        // the server keeps one precision for keys and values: a split is refused, not dropped
        Run split = run("serve", "--model", TestResources.tinystories656k().toString(), "--port", "0", "--kv-precision-k", "q8",
                "--kv-precision-v", "f16");
        assertThat(split.exit()).isEqualTo(2);
        assertThat(split.err()).contains("--kv-precision-k q8").contains("--kv-precision-v f16").doesNotContain("Exception in thread");
    }

    @Test
    void specialReadsChatMarkupInAPlainPromptAsSpecialTokens() throws Exception {
        String text = "<|im_start|>user\nHi<|im_end|>";
        String model = TestResources.defaultModel().toString();
        JsonNode plain = new ObjectMapper().readTree(run("generate", "--model", model, "-p", text, "-n", "0", "--json").out());
        JsonNode special = new ObjectMapper().readTree(run("generate", "--model", model, "-p", text, "-n", "0", "--json", "--special").out());
        assertThat(plain.get("prompt_tokens").asInt()).isEqualTo(17); // "<", "|", "im", "_", ... spelled out
        assertThat(special.get("prompt_tokens").asInt()).isEqualTo(5); // <|im_start|> user \n Hi <|im_end|>
        Run both = run("generate", "--model", model, "-p", "hi", "--chat", "--special");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--special applies to plain prompts");
    }

    @Test
    void generateWithPressReportsCompression() throws Exception {
        String prompt = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. ".repeat(6);
        Run r = run("generate", "--model", TestResources.stories260k().toString(), "--prompt", prompt, "-n", "8", "--temperature", "0",
                "--press", "snapkv", "--budget", "0.5", "--press-opt", "window=8", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode kv = new ObjectMapper().readTree(r.out()).get("kv");
        assertThat(kv.get("method").asText()).isEqualTo("snapkv");
        assertThat(kv.get("label").asText()).isEqualTo("snapkv:window=8");
        assertThat(kv.get("options").get("window").asText()).isEqualTo("8");
        assertThat(kv.get("budget_achieved").asDouble()).isBetween(0.45, 0.55);
        assertThat(kv.has("budget_note")).isFalse();
        assertThat(kv.has("skipped")).isFalse();
        assertThat(kv.get("bytes_kept_logical").asLong()).isLessThan(kv.get("bytes_full_logical").asLong() * 55 / 100);
        // held: the kept slots plus their positions and 16 free slots per head for decoding
        assertThat(kv.get("bytes_kept").asLong()).isGreaterThan(kv.get("bytes_kept_logical").asLong()).isLessThan(kv.get("bytes_full").asLong());
        assertThat(kv.get("kept_per_layer").size()).isEqualTo(5);
    }

    @Test
    void aShortChatQuestionIsAnsweredAsWithTheFullCache() throws Exception {
        String model = TestResources.defaultModel().toString();
        String[] question = {"generate", "--model", model, "--chat", "--prompt", "What is the capital of France?", "-n", "16",
                "--temperature", "0", "--json"};
        JsonNode full = new ObjectMapper().readTree(run(question).out());
        String[] pressed = java.util.Arrays.copyOf(question, question.length + 4);
        System.arraycopy(new String[] {"--press", "snapkv", "--budget", "0.35"}, 0, pressed, question.length, 4);
        Run r = run(pressed);
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode snap = new ObjectMapper().readTree(r.out());
        assertThat(snap.get("prompt_tokens").asInt()).isLessThan(64);
        assertThat(snap.get("text").asText()).isEqualTo(full.get("text").asText()).contains("Paris");
        assertThat(snap.get("kv").get("skipped").asText()).isEqualTo("prompt shorter than 64 tokens");
        assertThat(snap.get("kv").get("budget_note").asText()).contains("skipped: prompt shorter than 64 tokens");
        assertThat(snap.get("kv").get("budget_achieved").asDouble()).isEqualTo(1.0);
        // --press none is the full cache, as the report names it
        String[] none = java.util.Arrays.copyOf(question, question.length + 2);
        none[question.length] = "--press";
        none[question.length + 1] = "none";
        JsonNode n = new ObjectMapper().readTree(run(none).out());
        assertThat(n.get("text").asText()).isEqualTo(full.get("text").asText());
        assertThat(n.get("kv").get("method").asText()).isEqualTo("none");
    }

    @Test
    void badInputGetsAClearError(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.gguf");
        Files.writeString(junk, "definitely not a model");
        Run r = run("generate", "--model", junk.toString(), "--prompt", "hi");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("junk.gguf").doesNotContain("Exception in thread");
        Run unknown = run("generate", "--model", TestResources.stories260k().toString(), "--prompt", "hi", "--press", "nope", "--budget", "0.5");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("nope").contains("kvmerger");
        Run budget = run("generate", "--model", TestResources.stories260k().toString(), "--prompt", "hi", "--press", "h2o", "--budget", "1.5");
        assertThat(budget.exit()).isEqualTo(2);
        assertThat(budget.err()).contains("1.5");
        Run sigma = run("generate", "--model", TestResources.stories260k().toString(), "--prompt", "hi", "--press", "kvmerger", "--budget", "0.5",
                "--press-opt", "sigma=1e-300");
        assertThat(sigma.exit()).isEqualTo(2);
        assertThat(sigma.err()).contains("sigma=1e-300").contains("out of range");
        Run noneWithBudget = run("generate", "--model", TestResources.stories260k().toString(), "--prompt", "hi", "--press", "none", "--budget", "0.5");
        assertThat(noneWithBudget.exit()).isEqualTo(2);
        assertThat(noneWithBudget.err()).contains("other than none");
    }

    @Test
    void inspectPrintsMetadataAndTensors() {
        Run r = run("inspect", TestResources.stories260k().toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("llama.block_count").contains("blk.4.ffn_down.weight").contains("GGUF v3");
    }

    @Test
    void benchPrintsJsonWithEveryTest() throws Exception {
        Run r = run("bench", "--model", TestResources.stories260k().toString(), "-p", "32", "-n", "8", "-d", "0,64", "-r", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("results").size()).isEqualTo(4);
        for (JsonNode t : j.get("results")) assertThat(t.get("tokens_per_second").asDouble()).isPositive();
    }

    @Test
    void benchTableNamesTheCompressedCache() {
        Run r = run("bench", "--model", TestResources.stories260k().toString(), "-p", "0", "-n", "4", "-d", "64", "-r", "1",
                "--press", "snapkv", "--budget", "0.5", "--press-opt", "window=8");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("| snapkv:window=8 fraction=0.5 | tg4 @ d64 |").doesNotContain("Fraction[");
    }
}
