package dev.kvasir.eval.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** headline.md on {@link ReportWriterTest#rows()}: intervals, and which differences are significant. */
class HeadlineTest {

    @Test
    void marksSignificantDifferencesAndCallsTheRestInconclusive() {
        String md = Headline.markdown("t", ReportWriterTest.rows(), "full", Measure.SCORE);
        // score table: full first, niah's four samples, passkey's two; the mean over the two tasks
        assertThat(md).contains("| method | budget | niah (n=4) | passkey (n=2) | mean |");
        assertThat(md).contains("| full | - | 87.5 [62.5, 100.0] | 100.0 [100.0, 100.0] | 93.8 [81.3, 100.0] |");
        assertThat(md.indexOf("| full | - |")).isLessThan(md.indexOf("| kvmerger | 0.5 |"));

        String vsFull = section(md, "## Difference from the full cache", "## Difference from the best other method");
        // kvmerger equals the full cache on every niah sample: a zero-width interval at 0, not significant
        assertThat(vsFull).contains("| kvmerger | 0.5 | 0.0 [0.0, 0.0] inconclusive | – | – |");
        // snapkv 0.25 loses 0, 50, 50, 50 points: every resample but the all-zero one (p = 0.4 %) is below zero
        assertThat(vsFull).containsPattern("\\| snapkv \\| 0.25 \\| -37.5 \\[-50.0, -[0-9.]+\\] \\*\\*worse\\*\\* \\|");
        // h2o on passkey: 0 and -100 points on two samples
        assertThat(vsFull).contains("| h2o | 0.25 | – | -50.0 [-100.0, 0.0] inconclusive |");

        String vsBest = md.substring(md.indexOf("## Difference from the best other method"));
        // at 0.5 the best other method for snapkv is kvmerger (87.5 > 75); snapkv loses 50 points on one sample of four
        assertThat(vsBest).contains("| snapkv | 0.5 | vs kvmerger: -12.5 [-37.5, 0.0] inconclusive |");
        assertThat(vsBest).contains("| kvmerger | 0.5 | vs snapkv: +12.5 [0.0, +37.5] inconclusive |");
    }

    private static String section(String md, String from, String to) {
        return md.substring(md.indexOf(from), md.indexOf(to));
    }
}
