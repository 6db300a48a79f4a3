package dev.kvasir.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The summary as Markdown, CSV and JSON text. */
final class SummaryTables {
    private SummaryTables() {}

    static final List<String> HEADERS = List.of("method", "budget", "n", "score", "95 % CI", "% of full", "KV kept", "KV full",
            "achieved budget", "prefill tok/s", "decode tok/s", "compress ms");

    /** Display cells of one summary, in {@link #HEADERS} order. */
    static List<String> cells(GroupSummary s) {
        return List.of(s.method(), Format.budget(s.budget()), String.valueOf(s.samples()), Format.fixed(s.score(), 2),
                Format.interval(s.ciLow(), s.ciHigh(), 2), Format.fixed(s.pctOfFull(), 1), Format.bytes(s.kvBytesKept()), Format.bytes(s.kvBytesFull()),
                Format.fixed(s.budgetAchieved(), 3), Format.fixed(s.prefillTokensPerSecond(), 1),
                Format.fixed(s.decodeTokensPerSecond(), 1), Format.fixed(s.compressMillis(), 1));
    }

    static Map<String, List<GroupSummary>> byTask(List<GroupSummary> summaries) {
        Map<String, List<GroupSummary>> out = new LinkedHashMap<>();
        for (GroupSummary s : summaries) out.computeIfAbsent(s.task(), t -> new ArrayList<>()).add(s);
        return out;
    }

    static String markdown(String title, List<GroupSummary> summaries, String moreSections, List<String> figureFiles) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(title).append("\n\n");
        b.append("Score: mean of the task metric ×100. % of full: score relative to the full-cache baseline on the same samples. ")
                .append("Budget: as requested (fraction kept or tokens per layer); achieved budget: fraction of KV entries kept.\n");
        for (Map.Entry<String, List<GroupSummary>> e : byTask(summaries).entrySet()) {
            b.append("\n## ").append(e.getKey()).append("\n\n");
            b.append("| ").append(String.join(" | ", HEADERS)).append(" |\n");
            b.append("|---|").append("---:|".repeat(HEADERS.size() - 1)).append('\n');
            for (GroupSummary s : e.getValue()) {
                b.append("| ").append(String.join(" | ", cells(s).stream().map(SummaryTables::escapeMd).toList())).append(" |\n");
            }
        }
        b.append("\n").append(bytesParagraph(summaries)).append('\n');
        List<String> notes = budgetNotes(summaries);
        if (!notes.isEmpty()) {
            b.append("\n## Budget notes\n\n");
            for (String n : notes) b.append("- ").append(n).append('\n');
        }
        b.append(moreSections);
        if (!figureFiles.isEmpty()) {
            b.append("\n## Figures\n\n");
            for (String f : figureFiles) b.append("![").append(f).append("](").append(f).append(")\n");
        }
        return b.toString();
    }

    /** What the report says about memory: the comparison sentence, then what "KV kept" measures. */
    static String bytesParagraph(List<GroupSummary> summaries) {
        return Summaries.bytesComparison(summaries) + " KV kept: bytes the cache held when decoding began (keys, values, positions, "
                + "masses and the room reserved for the answer), measured from its stores; KV full: key/value bytes of the prompt's full cache.";
    }

    /** One line per (task, method, budget) and distinct budget note: {@code task method budget: note}. */
    static List<String> budgetNotes(List<GroupSummary> summaries) {
        List<String> out = new ArrayList<>();
        for (GroupSummary s : summaries) {
            for (String n : s.budgetNotes()) out.add(s.task() + " " + s.method() + " " + Format.budget(s.budget()) + ": " + n);
        }
        return out;
    }

    private static String escapeMd(String s) {
        return s.replace("|", "\\|");
    }

    static final List<String> CSV_HEADERS = List.of("task", "method", "budget", "n", "score", "ci_low", "ci_high", "pct_of_full", "kv_bytes_kept",
            "kv_bytes_full", "budget_achieved", "prefill_tps", "decode_tps", "compress_ms", "prompt_tokens", "kv_bytes_kept_logical",
            "budget_notes");

    static String csv(List<GroupSummary> summaries) {
        StringBuilder b = new StringBuilder(String.join(",", CSV_HEADERS)).append('\n');
        for (GroupSummary s : summaries) {
            b.append(String.join(",", List.of(csvText(s.task()), csvText(s.method()), Format.raw(s.budget()),
                    String.valueOf(s.samples()), Format.raw(s.score()), Format.raw(s.ciLow()), Format.raw(s.ciHigh()), Format.raw(s.pctOfFull()), Format.raw(s.kvBytesKept()),
                    Format.raw(s.kvBytesFull()), Format.raw(s.budgetAchieved()), Format.raw(s.prefillTokensPerSecond()),
                    Format.raw(s.decodeTokensPerSecond()), Format.raw(s.compressMillis()), Format.raw(s.promptTokens()),
                    Format.raw(s.kvBytesKeptLogical()), csvText(String.join(" | ", s.budgetNotes())))));
            b.append('\n');
        }
        return b.toString();
    }

    /** RFC 4180 quoting when needed. */
    static String csvText(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    static String json(String title, int rows, List<GroupSummary> summaries, List<String> figureFiles) {
        ObjectNode root = ResultsJson.MAPPER.createObjectNode();
        root.put("title", title);
        root.put("rows", rows);
        root.put("scoreScale", "mean metric x100");
        root.put("interval", "95% percentile bootstrap over samples, " + Bootstrap.RESAMPLES + " resamples, seed " + Bootstrap.SEED);
        ArrayNode groups = root.putArray("groups");
        for (GroupSummary s : summaries) {
            ObjectNode g = groups.addObject();
            g.put("task", s.task());
            g.put("method", s.method());
            g.put("budget", s.budget());
            g.put("n", s.samples());
            putNumber(g, "score", s.score());
            putNumber(g, "ciLow", s.ciLow());
            putNumber(g, "ciHigh", s.ciHigh());
            putNumber(g, "pctOfFull", s.pctOfFull());
            putNumber(g, "kvBytesKept", s.kvBytesKept());
            putNumber(g, "kvBytesFull", s.kvBytesFull());
            putNumber(g, "budgetAchieved", s.budgetAchieved());
            putNumber(g, "prefillTokensPerSecond", s.prefillTokensPerSecond());
            putNumber(g, "decodeTokensPerSecond", s.decodeTokensPerSecond());
            putNumber(g, "compressMillis", s.compressMillis());
            putNumber(g, "promptTokens", s.promptTokens());
            putNumber(g, "kvBytesKeptLogical", s.kvBytesKeptLogical());
            ArrayNode notes = g.putArray("budgetNotes");
            s.budgetNotes().forEach(notes::add);
        }
        ArrayNode figures = root.putArray("figures");
        figureFiles.forEach(figures::add);
        try {
            return ResultsJson.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JSON has no NaN: a missing value is null. */
    private static void putNumber(ObjectNode n, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) n.putNull(field);
        else n.put(field, v);
    }
}
