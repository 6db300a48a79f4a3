package dev.kvasir.eval.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Claims parsed from their structured form and tested on rows: holds, does not hold, inconclusive, not measured. */
class ClaimTest {

    private static void add(List<ResultRow> rows, String task, String method, double budget, double... scores) {
        for (int i = 0; i < scores.length; i++) {
            rows.add(ResultRow.builder().sampleId(task + i).task(task).method(method).budget(budget, budget).score(scores[i]).build());
        }
    }

    private static List<ResultRow> rows() {
        List<ResultRow> rows = new ArrayList<>();
        add(rows, "niah", "full", 1, 1, 1, 1, 1, 1, 1);
        add(rows, "niah", "a", 0.35, 1, 1, 1, 1, 1, 0);
        add(rows, "niah", "b", 0.35, 0, 0, 0, 1, 0, 0);
        add(rows, "niah", "c", 0.35, 1, 0, 1, 0, 1, 0);
        add(rows, "qa", "full", 1, 0.5, 0.5, 0.5);
        add(rows, "qa", "a", 0.35, 0.5, 0.5, 0.4);
        add(rows, "qa", "b", 0.35, 0.2, 0.1, 0.3);
        add(rows, "qa", "c", 0.35, 0.4, 0.6, 0.2);
        return rows;
    }

    @Test
    void parsesTheStructuredForm() {
        Claim c = Claim.parse("kvmerger:heavy-score=accumulated >= streaming-llm - 2.5 at 0.35 on mean", "words");
        assertThat(c.a()).isEqualTo("kvmerger:heavy-score=accumulated");
        assertThat(c.b()).isEqualTo("streaming-llm");
        assertThat(c.strict()).isFalse();
        assertThat(c.margin()).isEqualTo(2.5);
        assertThat(c.budget()).isEqualTo(0.35);
        assertThat(c.task()).isEqualTo("mean");
        assertThat(c.form()).isEqualTo("kvmerger:heavy-score=accumulated >= streaming-llm - 2.5 at 0.35 on mean");
        assertThat(Claim.parse("dynamickv > pyramidkv at 128 on niah", "w").form()).isEqualTo("dynamickv > pyramidkv at 128 on niah");
        assertThatThrownBy(() -> Claim.parse("a beats b", "w")).hasMessageContaining("A > B at BUDGET on TASK");
        assertThatThrownBy(() -> Claim.parse("a > b - 3 at 1 on x", "w")).hasMessageContaining("margin");
    }

    @Test
    void verdictsFollowThePairedInterval() {
        List<ResultRow> rows = rows();
        // a beats b on niah in 5 of 6 samples, never loses: holds
        Claim.Result holds = Claim.parse("a > b at 0.35 on niah", "").test(rows, "full", Measure.SCORE);
        assertThat(holds.verdict()).isEqualTo(Claim.Verdict.HOLDS);
        assertThat(holds.difference().estimate()).isEqualTo(100.0 * 4 / 6, within(1e-9));
        assertThat(holds.difference().n()).isEqualTo(6);
        // the reverse claim: the interval lies below zero
        assertThat(Claim.parse("b > a at 0.35 on niah", "").test(rows, "full", Measure.SCORE).verdict()).isEqualTo(Claim.Verdict.DOES_NOT_HOLD);
        // c against a: c loses 3 of 6 needle samples but sometimes wins qa: on the mean, a's lead is clear; c vs b is not
        assertThat(Claim.parse("c > b at 0.35 on niah", "").test(rows, "full", Measure.SCORE).verdict()).isEqualTo(Claim.Verdict.INCONCLUSIVE);
        // the mean over two tasks pairs 6 + 3 samples
        Claim.Result mean = Claim.parse("a > b at 0.35 on mean", "").test(rows, "full", Measure.SCORE);
        assertThat(mean.difference().n()).isEqualTo(9);
        assertThat(mean.difference().estimate()).isEqualTo((100.0 * 4 / 6 + 100 * (0.3 + 0.4 + 0.1) / 3) / 2, within(1e-9));
        assertThat(mean.verdict()).isEqualTo(Claim.Verdict.HOLDS);
        // non-inferiority against the full cache: a loses one needle of six (−16.7) and a little qa
        assertThat(Claim.parse("a >= full - 60 at 0.35 on niah", "").test(rows, "full", Measure.SCORE).verdict()).isEqualTo(Claim.Verdict.HOLDS);
        assertThat(Claim.parse("b >= full - 5 at 0.35 on niah", "").test(rows, "full", Measure.SCORE).verdict())
                .isEqualTo(Claim.Verdict.DOES_NOT_HOLD);
        // identical results: '>' cannot hold, '>=' does
        assertThat(Claim.parse("full > full at 0.35 on niah", "").test(rows, "full", Measure.SCORE).verdict()).isEqualTo(Claim.Verdict.DOES_NOT_HOLD);
        assertThat(Claim.parse("full >= full at 0.35 on niah", "").test(rows, "full", Measure.SCORE).verdict()).isEqualTo(Claim.Verdict.HOLDS);
    }

    @Test
    void aLowerIsBetterMeasureTurnsTheClaimAround() {
        Measure loss = new Measure("nll", "NLL", ResultRow::score, Measure.Direction.LOWER_IS_BETTER);
        // on a loss, b's lower values are the better ones
        assertThat(Claim.parse("b > a at 0.35 on niah", "").test(rows(), "full", loss).verdict()).isEqualTo(Claim.Verdict.HOLDS);
        assertThat(Claim.parse("a > b at 0.35 on niah", "").test(rows(), "full", loss).verdict()).isEqualTo(Claim.Verdict.DOES_NOT_HOLD);
    }

    @Test
    void missingMethodsBudgetsOrTasksAreNotMeasured() {
        assertThat(Claim.parse("a > b at 0.5 on niah", "").test(rows(), "full", Measure.SCORE).verdict()).isEqualTo(Claim.Verdict.NOT_MEASURED);
        assertThat(Claim.parse("a > zzz at 0.35 on niah", "").test(rows(), "full", Measure.SCORE).verdict()).isEqualTo(Claim.Verdict.NOT_MEASURED);
        assertThat(Claim.parse("a > b at 0.35 on multi_news", "").test(rows(), "full", Measure.SCORE).verdict())
                .isEqualTo(Claim.Verdict.NOT_MEASURED);
    }

    @Test
    void theMeanCoversTheTasksBothSidesRan() {
        List<ResultRow> rows = rows();
        add(rows, "vt", "a", 0.35, 1, 1); // b has not reached this task yet
        Claim.Result mean = Claim.parse("a > b at 0.35 on mean", "").test(rows, "full", Measure.SCORE);
        assertThat(mean.verdict()).isEqualTo(Claim.Verdict.HOLDS);
        assertThat(mean.difference().n()).isEqualTo(9);
        assertThat(mean.difference().estimate()).isEqualTo((100.0 * 4 / 6 + 100 * (0.3 + 0.4 + 0.1) / 3) / 2, within(1e-9));
        assertThat(Claim.parse("a > zzz at 0.35 on mean", "").test(rows, "full", Measure.SCORE).verdict())
                .isEqualTo(Claim.Verdict.NOT_MEASURED);
    }

    @Test
    void tableAndSummaryNameEveryClaim() {
        List<Claim.Result> results = List.of(
                Claim.parse("a > b at 0.35 on niah", "A beats B (paper: 35.0 vs 13.5)").test(rows(), "full", Measure.SCORE),
                Claim.parse("c > b at 0.35 on niah", "C beats B").test(rows(), "full", Measure.SCORE));
        String table = Claim.markdown(results, Measure.SCORE);
        assertThat(table).contains("| A beats B (paper: 35.0 vs 13.5) | `a > b at 0.35 on niah` | +66.7 | [+33.3, +100.0] | 6 | **holds** |").contains("| 6 | **holds** |");
        assertThat(table).contains("| C beats B | `c > b at 0.35 on niah` |").contains("| inconclusive |");
        assertThat(Claim.summary(results)).contains("- **Holds** (1 of 2): `a > b at 0.35 on niah`.")
                .contains("- **Inconclusive** (1 of 2): `c > b at 0.35 on niah`.");
    }
}
