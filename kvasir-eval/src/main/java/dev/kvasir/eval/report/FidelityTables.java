package dev.kvasir.eval.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fidelity task's own tables: per (method, budget) the means over samples of NLL,
 * perplexity (exp of the mean NLL), KL(full ‖ compressed) and top-1 agreement, overall and per
 * position bucket. Directions differ: lower is better for NLL, perplexity and KL, higher for
 * agreement; the best compressed configuration of each budget is marked in bold by each
 * metric's own direction.
 */
public final class FidelityTables {
    private FidelityTables() {}

    /** One (task, method, budget) of fidelity rows, averaged over its samples. */
    public record Group(String task, String method, double budget, boolean full, int samples, double nll, double ppl, double kl,
                        double top1Agreement, List<FidelityScores.Bucket> buckets) {}

    /** Groups of the rows that carry fidelity scores, baseline first, then by budget (largest first) and method. */
    public static List<Group> groups(List<ResultRow> rows, String fullMethod) {
        Map<String, List<ResultRow>> byKey = new LinkedHashMap<>();
        for (ResultRow r : rows) {
            if (r.kl() == null) continue;
            byKey.computeIfAbsent(r.task() + "\u0000" + r.method() + "\u0000" + r.budgetRequested(), k -> new ArrayList<>()).add(r);
        }
        List<Group> out = new ArrayList<>();
        for (List<ResultRow> g : byKey.values()) {
            ResultRow first = g.getFirst();
            double nll = Summaries.mean(g, ResultRow::nll);
            out.add(new Group(first.task(), first.method(), first.budgetRequested(), Summaries.isFull(first.method(), fullMethod),
                    g.size(), nll, Math.exp(nll), Summaries.mean(g, ResultRow::kl), Summaries.mean(g, ResultRow::top1Agreement),
                    meanBuckets(g)));
        }
        out.sort(Comparator.comparing(Group::task).thenComparing(gr -> !gr.full())
                .thenComparing(Comparator.comparingDouble(Group::budget).reversed()).thenComparing(Group::method));
        return out;
    }

    /** Bucket-wise means; rows whose buckets differ in number (another --continuation) are left out of them. */
    private static List<FidelityScores.Bucket> meanBuckets(List<ResultRow> g) {
        List<FidelityScores.Bucket> first = g.getFirst().fidelityBuckets();
        if (first == null) return List.of();
        List<FidelityScores.Bucket> out = new ArrayList<>();
        for (int k = 0; k < first.size(); k++) {
            double nll = 0, kl = 0, agree = 0;
            int n = 0;
            for (ResultRow r : g) {
                List<FidelityScores.Bucket> b = r.fidelityBuckets();
                if (b == null || b.size() != first.size() || b.get(k).from() != first.get(k).from()) continue;
                nll += b.get(k).nll();
                kl += b.get(k).kl();
                agree += b.get(k).top1Agreement();
                n++;
            }
            out.add(new FidelityScores.Bucket(first.get(k).from(), first.get(k).to(), nll / n, kl / n, agree / n));
        }
        return out;
    }

    /** Markdown: per task, the overall table, then KL and agreement by position bucket; empty without fidelity rows. */
    public static String markdown(List<ResultRow> rows, String fullMethod) {
        List<Group> groups = groups(rows, fullMethod);
        if (groups.isEmpty()) return "";
        StringBuilder b = new StringBuilder();
        Map<String, List<Group>> byTask = new LinkedHashMap<>();
        for (Group g : groups) byTask.computeIfAbsent(g.task(), t -> new ArrayList<>()).add(g);
        for (Map.Entry<String, List<Group>> e : byTask.entrySet()) {
            List<Group> gs = e.getValue();
            b.append("\n## ").append(e.getKey()).append(": closeness to the full cache\n\n")
                    .append("Over the teacher-forced continuation: NLL of the true next token (nats) and perplexity, ")
                    .append("KL(full ‖ compressed) of the next-token distributions (nats): **lower is better**; ")
                    .append("top-1 agreement with the full cache (%): **higher is better**. Bold: the best compressed method of each budget.\n\n");
            b.append("| method | budget | n | NLL | PPL | KL | top-1 agreement % |\n|---|---:|---:|---:|---:|---:|---:|\n");
            for (Group g : gs) {
                b.append("| ").append(g.method()).append(" | ").append(g.full() ? "-" : Format.budget(g.budget())).append(" | ")
                        .append(g.samples()).append(" | ")
                        .append(cell(g, gs, Group::nll, false, 3)).append(" | ").append(cell(g, gs, Group::ppl, false, 2)).append(" | ")
                        .append(cell(g, gs, Group::kl, false, 4)).append(" | ")
                        .append(cell(g, gs, x -> 100 * x.top1Agreement(), true, 1)).append(" |\n");
            }
            List<FidelityScores.Bucket> shape = gs.getFirst().buckets();
            if (shape.size() > 1) {
                b.append("\nBy position in the continuation: KL (nats) / top-1 agreement %.\n\n| method | budget |");
                for (FidelityScores.Bucket k : shape) b.append(" ").append(k.from()).append("–").append(k.to() - 1).append(" |");
                b.append("\n|---|---:|").append("---:|".repeat(shape.size())).append('\n');
                for (Group g : gs) {
                    b.append("| ").append(g.method()).append(" | ").append(g.full() ? "-" : Format.budget(g.budget())).append(" |");
                    for (int k = 0; k < shape.size(); k++) {
                        if (k >= g.buckets().size()) {
                            b.append(" – |");
                            continue;
                        }
                        FidelityScores.Bucket x = g.buckets().get(k);
                        b.append(' ').append(Format.fixed(x.kl(), 4)).append(" / ").append(Format.fixed(100 * x.top1Agreement(), 1)).append(" |");
                    }
                    b.append('\n');
                }
            }
        }
        return b.toString();
    }

    /** The value, bold when it is the best of its budget's compressed methods by the metric's direction. */
    private static String cell(Group g, List<Group> all, java.util.function.ToDoubleFunction<Group> metric, boolean higherIsBetter,
                               int decimals) {
        String text = Format.fixed(metric.applyAsDouble(g), decimals);
        if (g.full()) return text;
        List<Group> peers = all.stream().filter(o -> !o.full() && o.budget() == g.budget()).toList();
        if (peers.size() < 2) return text;
        double best = higherIsBetter ? peers.stream().mapToDouble(metric).max().orElse(Double.NaN)
                : peers.stream().mapToDouble(metric).min().orElse(Double.NaN);
        return metric.applyAsDouble(g) == best ? "**" + text + "**" : text;
    }

    /** CSV of the overall means: task, method, budget, n, nll, ppl, kl, top1_agreement. */
    public static String csv(List<ResultRow> rows, String fullMethod) {
        StringBuilder b = new StringBuilder("task,method,budget,n,nll,ppl,kl,top1_agreement\n");
        for (Group g : groups(rows, fullMethod)) {
            b.append(String.join(",", List.of(SummaryTables.csvText(g.task()), SummaryTables.csvText(g.method()), Format.raw(g.budget()),
                    String.valueOf(g.samples()), Format.raw(g.nll()), Format.raw(g.ppl()), Format.raw(g.kl()),
                    Format.raw(g.top1Agreement())))).append('\n');
        }
        return b.toString();
    }
}
