package dev.kvasir.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kvasir eval --task fidelity} in process on stories260K: the rows and tables it writes. */
class FidelityCliTest {
    @Test
    void fidelityRowsCarryNllKlAndAgreement(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("fidelity");
        CliTest.Run r = CliTest.run("eval", "--model", TestResources.stories260k().toString(), "--task", "fidelity", "--kv-precision", "f32", "--lengths", "150",
                "--continuation", "20", "--samples", "1", "--presses", "full,snapkv,h2o", "--budgets", "0.35", "--press-opt",
                "snapkv.window=8", "--threads", "2", "--out", out.toString(), "--no-progress");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(out.resolve("results-fidelity.jsonl"));
        assertThat(lines).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode row = json.readTree(line);
            for (String f : new String[] {"nll", "ppl", "kl", "top1_agreement", "fidelityBuckets"}) assertThat(row.has(f)).as(f).isTrue();
            assertThat(row.get("fidelityBuckets").size()).isEqualTo(4);
            if (row.get("method").asText().equals("full")) {
                assertThat(row.get("kl").asDouble()).isZero();
                assertThat(row.get("top1_agreement").asDouble()).isEqualTo(1.0);
            }
        }
        assertThat(Files.readString(out.resolve("report.md"))).contains("## fidelity: closeness to the full cache");
        assertThat(Files.readAllLines(out.resolve("fidelity.csv"))).hasSize(4);
    }

    @Test
    void continuationIsRefusedForOtherTasks(@TempDir Path tmp) {
        CliTest.Run r = CliTest.run("eval", "--model", TestResources.stories260k().toString(), "--task", "passkey", "--continuation", "20",
                "--out", tmp.toString(), "--no-progress");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--continuation applies to --task fidelity only");
    }
}
