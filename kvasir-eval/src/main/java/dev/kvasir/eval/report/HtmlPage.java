package dev.kvasir.eval.report;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/** One self-contained HTML page: the summary tables and every figure embedded as a base64 PNG. */
final class HtmlPage {
    private HtmlPage() {}

    record Image(String caption, byte[] png) {}

    static String render(String title, List<GroupSummary> summaries, List<Image> images) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(esc(title)).append("</title>\n")
                .append("<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px}\n")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}\n")
                .append("figure{margin:2em 0}img{max-width:100%;border:1px solid #eee}figcaption{color:#555;margin-top:.4em}\n")
                .append("</style>\n</head>\n<body>\n");
        b.append("<h1>").append(esc(title)).append("</h1>\n");
        b.append("<p>Score: mean of the task metric &times;100; 95 % CI: percentile bootstrap interval over the samples. % of full: score relative to the full-cache baseline on the same samples. ")
                .append("Budget: as requested (fraction kept or tokens per layer); achieved budget: fraction of KV entries kept.</p>\n");
        if (summaries.isEmpty()) b.append("<p>No results.</p>\n");
        for (Map.Entry<String, List<GroupSummary>> e : SummaryTables.byTask(summaries).entrySet()) {
            b.append("<h2>").append(esc(e.getKey())).append("</h2>\n<table>\n<tr>");
            for (String h : SummaryTables.HEADERS) b.append("<th>").append(esc(h)).append("</th>");
            b.append("</tr>\n");
            for (GroupSummary s : e.getValue()) {
                b.append("<tr>");
                List<String> cells = SummaryTables.cells(s);
                for (int i = 0; i < cells.size(); i++) {
                    b.append(i == 0 ? "<td>" : "<td class=\"num\">").append(esc(cells.get(i))).append("</td>");
                }
                b.append("</tr>\n");
            }
            b.append("</table>\n");
        }
        if (!summaries.isEmpty()) b.append("<p>").append(esc(SummaryTables.bytesParagraph(summaries))).append("</p>\n");
        List<String> notes = SummaryTables.budgetNotes(summaries);
        if (!notes.isEmpty()) {
            b.append("<h2>Budget notes</h2>\n<ul>\n");
            for (String n : notes) b.append("<li>").append(esc(n)).append("</li>\n");
            b.append("</ul>\n");
        }
        if (!images.isEmpty()) b.append("<h2>Figures</h2>\n");
        for (Image img : images) {
            b.append("<figure><img alt=\"").append(esc(img.caption())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(img.png())).append("\"><figcaption>")
                    .append(esc(img.caption())).append("</figcaption></figure>\n");
        }
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
