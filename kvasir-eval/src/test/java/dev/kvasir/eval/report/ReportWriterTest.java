package dev.kvasir.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

class ReportWriterTest {
    private static final int LAYERS = 4;

    /**
     * Synthetic rows. Task "niah": 2 lengths x 2 depths = 4 samples per method.
     * <pre>
     *   full        budget 1:    scores 1, 1, 1, 0.5      -> mean 0.875 -> 87.50
     *   snapkv      budget 0.25: scores 1, 0.5, 0.5, 0    -> mean 0.5   -> 50.00, % of full = 50/87.5 = 57.1
     *   snapkv      budget 0.5:  scores 1, 1, 0.5, 0.5    -> mean 0.75  -> 75.00, % of full = 85.7
     *   kvmerger    budget 0.5:  scores 1, 1, 1, 0.5      -> 87.50, 100.0
     * </pre>
     * Task "passkey": full 1, 1 (100), h2o budget 0.25: 1, 0 (50.00, % of full 50.0).
     */
    static List<ResultRow> rows() {
        List<ResultRow> rows = new ArrayList<>();
        int[] lengths = {1000, 2000};
        double[] depths = {0.0, 1.0};
        addNiah(rows, "full", 1.0, new double[] {1, 1, 1, 0.5}, lengths, depths, null, null);
        addNiah(rows, "snapkv", 0.25, new double[] {1, 0.5, 0.5, 0}, lengths, depths, new int[] {40, 30, 20, 10}, null);
        addNiah(rows, "snapkv", 0.5, new double[] {1, 1, 0.5, 0.5}, lengths, depths, new int[] {80, 60, 40, 20}, null);
        addNiah(rows, "kvmerger", 0.5, new double[] {1, 1, 1, 0.5}, lengths, depths, null, new double[] {0.6, 0.5, 0.45, 0.4});
        rows.add(row("passkey-0", "passkey", "full", 1.0, 1.0, 1000, null, null, null));
        rows.add(row("passkey-1", "passkey", "full", 1.0, 1.0, 1000, null, null, null));
        rows.add(row("passkey-0", "passkey", "h2o", 0.25, 1.0, 1000, null, null, null));
        rows.add(row("passkey-1", "passkey", "h2o", 0.25, 0.0, 1000, null, null, null));
        return rows;
    }

    private static void addNiah(List<ResultRow> rows, String method, double budget, double[] scores, int[] lengths,
                                double[] depths, int[] kept, double[] ratios) {
        int i = 0;
        for (int length : lengths) {
            for (double depth : depths) {
                rows.add(row("niah-L" + length + "-d" + depth, "niah", method, budget, scores[i++], length, depth, kept, ratios));
            }
        }
    }

    private static ResultRow row(String id, String task, String method, double budget, double score, int length,
                                 Double depth, int[] kept, double[] ratios) {
        long full = 1L << 20; // 1 MiB
        return ResultRow.builder().sampleId(id).task(task).method(method).options(Map.of("window", 8))
                .budget(budget, budget).kvBytes((long) (full * budget), full).score(score)
                .prediction("pred").expected(List.of("ref")).promptTokens(length + 20).speed(1000.0, 50.0)
                .compressMillis(method.equals("full") ? 0 : 12.5).layerKept(kept).layerRatios(ratios)
                .contextLength(length).depth(depth).queryMode("agnostic").build();
    }

    @Test
    void markdownHasMeansAndShareOfFull(@TempDir Path dir) throws Exception {
        Report report = new ReportWriter().write(rows(), dir);
        String md = Files.readString(report.markdown());
        // | method | budget | n | score | 95 % CI | % of full | KV kept | KV full | achieved budget | prefill tok/s | decode tok/s | compress ms |
        assertThat(md).contains("## niah");
        // scores 1, 1, 1, 0.5: a resample's mean is 50 with probability 0.4 %, 62.5 with 4.7 % (cumulative 5.1 %),
        // 100 with 31.6 %: the 2.5th and 97.5th percentiles are 62.5 and 100
        assertThat(md).contains("| full | 1 | 4 | 87.50 | [62.50, 100.00] | 100.0 | 1.00 MiB | 1.00 MiB | 1.000 | 1000.0 | 50.0 | 0.0 |");
        assertThat(md).contains("| snapkv | 0.25 | 4 | 50.00 | [");
        assertThat(md).contains(" | 57.1 | 256.00 KiB | 1.00 MiB | 0.250 | 1000.0 | 50.0 | 12.5 |");
        assertThat(md).contains("| snapkv | 0.5 | 4 | 75.00 | [");
        assertThat(md).contains("| kvmerger | 0.5 | 4 | 87.50 | [62.50, 100.00] | 100.0 |");
        assertThat(md).contains("## passkey");
        // 1 and 0: resample means 0, 50, 100 with probabilities 1/4, 1/2, 1/4
        assertThat(md).contains("| h2o | 0.25 | 2 | 50.00 | [0.00, 100.00] | 50.0 |");
        assertThat(md).contains("| full | 1 | 2 | 100.00 | [100.00, 100.00] | 100.0 |");
        // the baseline comes first in each table
        assertThat(md.indexOf("| full | 1 | 4")).isLessThan(md.indexOf("| kvmerger"));
    }

    @Test
    void tasksAtSeveralLengthsGetAPerLengthBreakdown(@TempDir Path dir) throws Exception {
        Report report = new ReportWriter().write(rows(), dir);
        String md = Files.readString(report.markdown());
        // niah at 1000 and 2000 tokens (two depths each); passkey has one length: no breakdown
        assertThat(md).contains("## By context length").contains("### niah").doesNotContain("### passkey");
        // snapkv 0.25: scores 1, 0.5 at 1000 tokens, 0.5, 0 at 2000
        assertThat(md).contains("| snapkv | 0.25 | 75.0 [50.0, 100.0] (2) | 25.0 [0.0, 50.0] (2) |");
        assertThat(md.indexOf("## By context length")).isLessThan(md.indexOf("## Figures"));
        List<String> csv = Files.readAllLines(dir.resolve("summary-by-length.csv"));
        assertThat(csv.getFirst()).isEqualTo("task,method,budget,context_length,n,score,ci_low,ci_high");
        assertThat(csv).contains("niah,snapkv,0.25,1000,2,75,50,100", "niah,snapkv,0.25,2000,2,25,0,50");
    }

    @Test
    void theReportSaysWhetherMethodsWereComparedAtEqualBytes(@TempDir Path dir) throws Exception {
        String md = Files.readString(new ReportWriter().write(rows(), dir.resolve("met")).markdown());
        assertThat(md).contains("Methods are compared at equal bytes").doesNotContain("## Budget notes");
        List<ResultRow> rows = new ArrayList<>(rows());
        ResultRow h2o = rows.removeLast();
        rows.add(ResultRow.builder().sampleId(h2o.sampleId()).task(h2o.task()).method(h2o.method()).budget(0.25, 0.31)
                .kvBytes(h2o.kvBytesKept(), h2o.kvBytesFull()).kvBytesKeptLogical(1000).budgetNote("kept 0.31: because").build());
        Report report = new ReportWriter().write(rows, dir.resolve("noted"));
        md = Files.readString(report.markdown());
        assertThat(md).contains("these configurations kept more than 2 % more or fewer key/value bytes than requested")
                .contains("passkey h2o 0.25").contains("## Budget notes").contains("- passkey h2o 0.25: kept 0.31: because");
        assertThat(Files.readAllLines(report.csv())).anyMatch(l -> l.startsWith("passkey,h2o,") && l.endsWith(",kept 0.31: because"));
        assertThat(Files.readString(report.html())).contains("<h2>Budget notes</h2>").contains("<li>passkey h2o 0.25: kept 0.31: because</li>");
    }

    @Test
    void figuresArePngsOfSensibleSize(@TempDir Path dir) throws Exception {
        Report report = new ReportWriter().write(rows(), dir);
        List<String> names = report.figures().stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).contains(
                "niah-niah-full-b1.png", "niah-niah-snapkv-b0.25.png", "niah-niah-snapkv-b0.5.png", "niah-niah-kvmerger-b0.5.png",
                "score-vs-budget-niah.png", "score-vs-budget-passkey.png",
                "layer-budget-niah-snapkv.png", "layer-ratio-niah-kvmerger.png");
        for (Path png : report.figures()) {
            assertThat(png).exists();
            byte[] bytes = Files.readAllBytes(png);
            assertThat(bytes).startsWith(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A);
            BufferedImage img = ImageIO.read(png.toFile());
            assertThat(img).as(png.toString()).isNotNull();
            assertThat(img.getWidth()).isEqualTo(900);
            assertThat(img.getHeight()).isEqualTo(560);
            assertThat(distinctColours(img)).as("a drawn chart, not a blank image: " + png).isGreaterThan(8);
        }
    }

    @Test
    void scoreCurvesUseTheColourBlindSafePaletteAndDrawIntervals(@TempDir Path dir) throws Exception {
        new ReportWriter().write(rows(), dir);
        BufferedImage img = ImageIO.read(dir.resolve("figures/score-vs-budget-niah.png").toFile());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) colours.add(img.getRGB(x, y) & 0xFFFFFF);
        // two methods on niah (kvmerger, snapkv): the first two Okabe-Ito colours
        assertThat(colours).contains(Charts.OKABE_ITO[0].getRGB() & 0xFFFFFF, Charts.OKABE_ITO[1].getRGB() & 0xFFFFFF);
        // snapkv at 0.25 has the interval around 50: a vertical run of its colour well above and below the point
        int snapkv = Charts.OKABE_ITO[1].getRGB() & 0xFFFFFF;
        int longestVertical = 0;
        for (int x = 0; x < img.getWidth(); x++) {
            int run = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                run = (img.getRGB(x, y) & 0xFFFFFF) == snapkv ? run + 1 : 0;
                longestVertical = Math.max(longestVertical, run);
            }
        }
        assertThat(longestVertical).as("an error bar spans tens of pixels").isGreaterThan(40);
    }

    @Test
    void htmlEmbedsEveryFigureAndTable(@TempDir Path dir) throws Exception {
        Report report = new ReportWriter().write(rows(), dir);
        String html = Files.readString(report.html());
        assertThat(html).startsWith("<!DOCTYPE html>");
        assertThat(html.split("src=\"data:image/png;base64,", -1)).hasSize(report.figures().size() + 1);
        assertThat(html).contains("<td>snapkv</td><td class=\"num\">0.25</td><td class=\"num\">4</td><td class=\"num\">50.00</td>");
        assertThat(html).doesNotContain("src=\"figures/");
    }

    @Test
    void csvAndJsonCarryTheSameNumbers(@TempDir Path dir) throws Exception {
        Report report = new ReportWriter().write(rows(), dir);
        List<String> csv = Files.readAllLines(report.csv(), StandardCharsets.UTF_8);
        assertThat(csv.getFirst()).isEqualTo("task,method,budget,n,score,ci_low,ci_high,pct_of_full,kv_bytes_kept,kv_bytes_full,"
                + "budget_achieved,prefill_tps,decode_tps,compress_ms,prompt_tokens,kv_bytes_kept_logical,budget_notes");
        assertThat(csv).anyMatch(l -> l.startsWith("niah,snapkv,0.25,4,50,") && l.contains(",57.14285714285714,262144,1048576,0.25,1000,50,12.5,1520,"));
        assertThat(csv).anyMatch(l -> l.startsWith("passkey,h2o,0.25,2,50,0,100,50,262144,1048576,0.25,1000,50,12.5,1020,"));
        JsonNode json = new ObjectMapper().readTree(report.json().toFile());
        assertThat(json.get("rows").asInt()).isEqualTo(20);
        JsonNode first = json.get("groups").get(0);
        assertThat(first.get("task").asText()).isEqualTo("niah");
        assertThat(first.get("method").asText()).isEqualTo("full");
        assertThat(first.get("score").asDouble()).isEqualTo(87.5);
        assertThat(first.get("n").asInt()).isEqualTo(4);
        assertThat(first.get("ciLow").asDouble()).isEqualTo(62.5);
        assertThat(first.get("ciHigh").asDouble()).isEqualTo(100.0);
        assertThat(json.get("figures")).hasSize(report.figures().size());
    }

    @Test
    void rowsRoundTripThroughAResultsDirectory(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = rows();
        ResultsWriter.writeAll(dir.resolve("results/run1.jsonl"), rows.subList(0, 10));
        ResultsWriter.writeAll(dir.resolve("results/sub/run2.jsonl"), rows.subList(10, rows.size()));
        List<ResultRow> back = ResultsReader.read(dir.resolve("results"));
        assertThat(back).hasSize(rows.size());
        ResultRow r = back.stream().filter(x -> x.method().equals("snapkv")).findFirst().orElseThrow();
        assertThat(r.layerKept()).containsExactly(40, 30, 20, 10);
        assertThat(r.options()).containsEntry("window", 8);
        assertThat(r.depth()).isEqualTo(0.0);
        // field names of the JSON lines
        JsonNode line = new ObjectMapper().readTree(Files.readAllLines(dir.resolve("results/run1.jsonl")).getFirst());
        assertThat(line.fieldNames()).toIterable().containsExactly("sampleId", "task", "method", "options", "budgetRequested",
                "budgetAchieved", "kvBytesKept", "kvBytesFull", "score", "prediction", "expected", "promptTokens",
                "prefillTokensPerSecond", "decodeTokensPerSecond", "compressMillis", "contextLength", "depth", "queryMode",
                "kvBytesKeptLogical");
        // and a report straight from the directory
        Report report = new ReportWriter().write(dir.resolve("results"), dir.resolve("report"));
        assertThat(Files.readString(report.markdown())).contains("| snapkv | 0.25 | 4 | 50.00 | [").contains(" | 57.1 |");
    }

    @Test
    void noRowsGiveAnEmptyReport(@TempDir Path dir) throws Exception {
        Report report = new ReportWriter().write(List.of(), dir);
        assertThat(report.figures()).isEmpty();
        assertThat(Files.readString(report.html())).contains("No results.");
    }

    private static int distinctColours(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 4) {
            for (int x = 0; x < img.getWidth(); x += 4) colours.add(img.getRGB(x, y));
        }
        return colours.size();
    }
}
