package dev.kvasir.cli;

import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kvasir eval} and {@code kvasir report} in process, on stories260K. */
class EvalCliTest {
    static CliTest.Run eval(Path out, String... extra) {
        String[] base = {"eval", "--model", TestResources.stories260k().toString(), "--task", "passkey", "--lengths", "160",
                "--depths", "0,1", "--presses", "full,snapkv", "--budgets", "0.5", "--press-opt", "snapkv.window=8", "--no-chat",
                "--threads", "2", "--out", out.toString(), "--no-progress"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliTest.run(args);
    }

    @Test
    void evalWritesRowsAndAReportThenResumesAndReportsAgain(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        CliTest.Run first = eval(out, "--max-rows", "3");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err()).contains("3 rows written");
        assertThat(Files.readAllLines(out.resolve("results-passkey.jsonl"))).hasSize(3);

        CliTest.Run rest = eval(out);
        assertThat(rest.exit()).as(rest.err()).isZero();
        assertThat(rest.err()).contains("1 rows written");
        assertThat(Files.readAllLines(out.resolve("results-passkey.jsonl"))).hasSize(4);
        assertThat(rest.out()).contains("passkey").contains("full").contains("snapkv").contains("% of full").contains("report.html");
        for (String f : new String[] {"report.md", "headline.md", "summary.csv", "summary.json", "report.html", "run.json"}) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        assertThat(Files.readString(out.resolve("report.md"))).contains("query-aware").contains("## passkey");

        CliTest.Run report = CliTest.run("report", out.toString());
        assertThat(report.exit()).as(report.err()).isZero();
        assertThat(report.out()).contains("snapkv");

        // the directory belongs to one query mode: mixing is refused
        CliTest.Run other = eval(out, "--query-mode", "agnostic");
        assertThat(other.exit()).isEqualTo(2);
        assertThat(other.err()).contains("query-aware").contains("another --out");
    }

    @Test
    void shardAutoOutsideABatchSystemSaysWhatItLookedFor(@TempDir Path tmp) {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("JOB_COMPLETION_INDEX") == null && System.getenv("SLURM_ARRAY_TASK_ID") == null,
                "runs outside Kubernetes and Slurm jobs");
        CliTest.Run r = eval(tmp.resolve("auto"), "--shard", "auto");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("JOB_COMPLETION_INDEX").contains("SLURM_ARRAY_TASK_ID").contains("--shard i/N");
    }

    @Test
    void queryAgnosticRowsNameTheirMode(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("agnostic");
        CliTest.Run r = eval(out, "--query-mode", "agnostic", "--no-report");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(out.resolve("results-passkey.jsonl"))).contains("\"queryMode\":\"agnostic\"");
    }

    @Test
    void helpListsTheEvaluationCommandsWithoutFormatWarnings() {
        CliTest.Run r = CliTest.run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("demo").contains("eval").contains("report");
        assertThat(r.err()).doesNotContain("Could not format");
        for (String cmd : new String[] {"demo", "eval", "report"}) {
            CliTest.Run h = CliTest.run(cmd, "--help");
            assertThat(h.exit()).as(cmd).isZero();
            assertThat(h.err()).as(cmd).doesNotContain("Could not format");
        }
    }

    @Test
    void badEvalOptionsGetClearErrors(@TempDir Path tmp) {
        CliTest.Run task = CliTest.run("eval", "--model", TestResources.stories260k().toString(), "--task", "nope", "--out", tmp.toString());
        assertThat(task.exit()).isEqualTo(2);
        assertThat(task.err()).contains("nope").contains("passkey");
        CliTest.Run both = CliTest.run("eval", "--preset", "kvmerger-paper", "--task", "niah");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--preset");
        CliTest.Run budget = CliTest.run("eval", "--model", TestResources.stories260k().toString(), "--task", "passkey",
                "--presses", "full,h2o", "--out", tmp.toString());
        assertThat(budget.exit()).isEqualTo(2);
        assertThat(budget.err()).contains("h2o needs a budget");
        CliTest.Run missing = CliTest.run("report", tmp.resolve("none").toString());
        assertThat(missing.exit()).isEqualTo(2);
    }
}
