package dev.kvasir.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvasir.core.fetch.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Models by short name: {@code kvasir models}, {@code --model NAME}, and the 32k-window Qwen model really answering. */
class ModelsCliTest {
    @Test
    void modelsListsEveryNameWithSizeWindowAndWhetherItIsCached(@TempDir Path cache) throws Exception {
        String old = System.getProperty("kvasir.models");
        System.setProperty("kvasir.models", cache.toString());
        try {
            // one model present (any bytes of the right size count as cached), one absent, one of the wrong size
            Files.write(cache.resolve("SmolLM2-135M-Instruct.Q4_1.gguf"), new byte[0]);
            try (var f = java.nio.channels.FileChannel.open(cache.resolve("SmolLM2-135M-Instruct.Q4_1.gguf"),
                    java.nio.file.StandardOpenOption.WRITE)) {
                f.write(java.nio.ByteBuffer.allocate(1), ModelRegistry.SMOLLM2_135M.size() - 1);
            }
            CliTest.Run r = CliTest.run("models");
            assertThat(r.exit()).as(r.err()).isZero();
            List<String> lines = r.out().lines().toList();
            assertThat(lines.get(0)).containsSubsequence("name", "size", "window", "cached", "path");
            assertThat(lines.get(1)).containsSubsequence("smollm2-135m", "98.4 MB", "8192", "yes",
                    cache.resolve("SmolLM2-135M-Instruct.Q4_1.gguf").toString());
            assertThat(lines.get(2)).containsSubsequence("qwen2.5-coder-0.5b", "491.4 MB", "32768", "no",
                    cache.resolve("Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf").toString());

            Files.write(cache.resolve("Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"), new byte[100]);
            assertThat(CliTest.run("models").out().lines().toList().get(2)).contains("wrong size");
            // and --model NAME refuses it rather than loading 100 bytes
            CliTest.Run refused = CliTest.run("generate", "--model", "qwen2.5-coder-0.5b", "-p", "hi", "-n", "1", "--no-progress");
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.err()).contains("has 100 bytes").contains("kvasir pull qwen2.5-coder-0.5b --force");
        } finally {
            if (old == null) System.clearProperty("kvasir.models");
            else System.setProperty("kvasir.models", old);
        }
    }

    @Test
    void anUnknownModelNameListsTheKnownOnes() {
        for (String[] args : new String[][] {{"generate", "--model", "qwen3-72b", "-p", "hi", "--no-progress"}, {"pull", "qwen3-72b"}}) {
            CliTest.Run r = CliTest.run(args);
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("unknown model 'qwen3-72b'").contains("smollm2-135m, qwen2.5-coder-0.5b");
        }
    }

    /** Pulls the ~490 MB Qwen model on a fresh machine (once; the cache keeps it). */
    @Test
    void qwenByNameAnswersAPasskey(@TempDir Path out) throws Exception {
        CliTest.Run r = CliTest.run("eval", "--model", "qwen2.5-coder-0.5b", "--task", "passkey", "--lengths", "1024", "--samples", "2",
                "--presses", "full", "--out", out.toString(), "--no-progress", "--no-report");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(out.resolve("results-passkey.jsonl"));
        assertThat(rows).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        for (String row : rows) {
            JsonNode j = json.readTree(row);
            assertThat(j.get("score").asDouble()).as(row).isEqualTo(1.0);
        }
    }
}
