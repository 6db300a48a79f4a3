package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvCache;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * KVMerger, "Model Tells You Where to Merge" (Wang, Jin, Yu, Zhang; arXiv 2407.08454).
 * No official code exists; this follows methods.md §1 (reviews, reading notes), once after prefill,
 * per (layer, KV head), on post-RoPE keys:
 * <ol>
 *   <li>a_j = Σ_i A[i, j] over the prompt queries (GQA mean): the attention each token accumulated,
 *       which picks the pivots. Protected, never merged: the last ⌈ρ_rec·T⌉ tokens and ⌈ρ_hh·T⌉ older
 *       "heavy" tokens (the paper's proportions: 50 % budget → ρ_rec 0.17, ρ_hh 0.12; 35 % → 0.08,
 *       0.02; linear in between, proportional to the budget outside; options {@code recent},
 *       {@code heavy}), plus optional sinks.</li>
 *   <li>Merging sets (Algorithm 1, A1): walking from the last token backwards, k_j joins the set of
 *       k_{j+1} when both are unprotected and cos(k_j, k_{j+1}) &gt; ε (0.75): maximal chains of
 *       adjacent pairs.</li>
 *   <li>Each set S with |S| &gt; 1 becomes one slot at its pivot p = argmax_{j∈S} a_j, by
 *       {@link KernelMerge}: Gaussian weights around k_p (σ = 5, or {@code sigma=auto}),
 *       k* = Σ w_i k_i, v* = |S|·Σ w_i v_i (paper, A3) or the plain average
 *       ({@code value-rule=average}).</li>
 *   <li>Layers 0, 1 and L − 1 are left alone (A7; {@code skip-layers=none} merges them too).</li>
 * </ol>
 * Defaults are the paper's: heavy tokens by a_j ({@code heavy-score=accumulated}), a fixed
 * ε = 0.75, σ = 5, the |S| value rule, layers 0, 1, L − 1 skipped. Every other value of an option
 * shows in the label ({@link Press#label()}), e.g. {@code kvmerger:exact=true} or
 * {@code kvmerger:heavy-score=window}.
 *
 * <p><b>The paper's budget is approximate; {@code exact=true} meets it.</b> The paper compares
 * KVMerger with H2O and CaM "at 50 % and 35 % of the KV cache", but with a fixed ε = 0.75 the size
 * is data-dependent (A5): on the default model it keeps 0.45 at 0.5, 0.28 at 0.35 and 0.22-0.29 at
 * 0.2 (the three skipped layers alone hold 3/L of the cache). Plain {@code kvmerger} is that method
 * and its report carries a budget note saying so. A comparison at unequal bytes credits or blames
 * the method for memory it did not spend, so {@code exact=true} (our extension, methods.md §1.5
 * [choice]) reads the budget as the budget: per (layer, head) ε is chosen so that #kept equals the
 * target, i.e. the exact result of bisecting ε, computed directly: the T − target most similar
 * eligible adjacent pairs are joined (ε ∈ [−1, 1], reported per layer). The skipped layers keep T
 * and the merged layers share the rest of the L·C budget, so the whole cache holds exactly C slots
 * per head on average. If merging every eligible pair is not enough (the protected tokens alone
 * exceed a layer's share), H2O eviction removes the lowest-a singletons, then the weakest merged
 * sets, then protected heavy tokens, sinks and the oldest recent tokens. When even that cannot reach
 * the budget (C &lt; 3T/L with the skipped layers), the merged layers keep one slot per head and the
 * report's budget note says why. {@code eps} applies with the fixed-ε reading only. The evaluation
 * presets compare at equal bytes with {@code kvmerger:exact=true} beside the paper's row.
 *
 * <p><b>Kvasir's variant {@code heavy-score=window}.</b> The paper protects the "top-k aggregated
 * attention" tokens; methods.md reads that as H2O's a_j, attention summed over every prompt query.
 * That score favours early tokens (they are seen by more queries), so a fact in the middle of a long
 * prompt is neither recent nor heavy and is merged into its neighbours: on the default model, a
 * 4k-token needle prompt at budget 0.5 loses the needle with it (merging layer 18 alone is enough:
 * the needle sentence, whose adjacent keys have cosine 0.86-0.95, becomes one slot). With
 * {@code heavy-score=window} the heavy tokens are instead aggregated over the attention of the last
 * {@code window} (32) queries, pooled ({@code kernel} 7, {@code pooling} max), SnapKV's vote: the
 * tokens the end of the prompt (normally the question) looks at are never merged, and the needle
 * survives. Pivots still come from a_j. Not the paper's method: its label says so.
 *
 * <p>Other extension (our own, methods.md [choice]): {@code mass=true}, mass-aware merging. The
 * merged slot records how many tokens it stands for ({@code HeadCache.setMass}); the attention
 * kernel adds log(mass) to its logit, and the value is the plain weighted average.
 */
public final class KvMerger implements Press {
    private final Map<String, String> options;
    private final double eps;
    private final KernelMerge kernel;
    private final double recentOpt, heavyOpt;
    private final int sinks;
    private final boolean skipPaperLayers, exact;
    private final GqaAggregation gqa;
    /** The observation-window scorer that picks the heavy tokens, or null for heavy-score=accumulated (a_j). */
    private final WindowAttention heavyScorer;

    KvMerger(Map<String, String> options, double eps, KernelMerge kernel, double recent, double heavy, int sinks,
             boolean skipPaperLayers, boolean exact, GqaAggregation gqa, WindowAttention heavyScorer) {
        this.options = options;
        this.eps = eps;
        this.kernel = kernel;
        this.recentOpt = recent;
        this.heavyOpt = heavy;
        this.sinks = sinks;
        this.skipPaperLayers = skipPaperLayers;
        this.exact = exact;
        this.gqa = gqa;
        this.heavyScorer = heavyScorer;
    }

    static Press create(Options o) {
        boolean exact = o.flag("exact", false);
        if (exact && o.has("eps")) {
            throw o.error("eps", o.string("eps", ""), "applies with exact=false only: exact=true chooses ε per layer and head to meet the budget");
        }
        double eps = exact ? Double.NaN : o.real("eps", 0.75, -1, false, 1, false);
        KernelMerge kernel = Parts.kernelMerge(o, false);
        double recent = o.realOrAuto("recent", "auto", 0, false, 1);
        double heavy = o.realOrAuto("heavy", "auto", 0, false, 1);
        int sinks = o.integer("sinks", 0, 0, Integer.MAX_VALUE);
        boolean skip = o.choice("skip-layers", "paper", "paper", "none").equals("paper");
        GqaAggregation gqa = GqaAggregation.parse(o);
        // Protected heavy tokens: by default methods.md's reading of the paper (attention summed over the whole
        // prompt); "window" is Kvasir's query-aware variant (the attention of the last queries, SnapKV's vote).
        WindowAttention heavyScorer = o.choice("heavy-score", "accumulated", "accumulated", "window").equals("window")
                ? Parts.windowScorer(o, 32, 7, Pooling.MAX) : null;
        return new KvMerger(o.done(), eps, kernel, recent, heavy, sinks, skip, exact, gqa, heavyScorer);
    }

    @Override public String name() { return "kvmerger"; }

    @Override public Map<String, String> options() { return options; }

    @Override public StatsRequest statsRequest(int layers, int queryHeads, int kvHeads, int promptTokens) {
        return new StatsRequest(true, heavyScorer == null ? 0 : heavyScorer.window());
    }

    /** The paper's (ρ_rec, ρ_hh) for a budget fraction f: exact at 0.35 and 0.5, linear between, proportional outside. */
    static double[] proportions(double f) {
        if (f >= 0.5) return new double[] {0.17 * f / 0.5, 0.12 * f / 0.5};
        if (f >= 0.35) {
            double t = (f - 0.35) / 0.15;
            return new double[] {0.08 + t * 0.09, 0.02 + t * 0.10};
        }
        return new double[] {0.08 * f / 0.35, 0.02 * f / 0.35};
    }

    boolean skipped(int layer, int layers) {
        return skipPaperLayers && (layer == 0 || layer == 1 || layer == layers - 1);
    }

    @Override public CompressionReport compress(KvCache cache, IntFunction<AttentionStats> statsForLayer, Budget budget) {
        ReportBuilder report = new ReportBuilder(this, cache, budget);
        int layers = cache.layers(), heads = cache.kvHeads();
        int t = Selection.uniformTokens(cache, name());
        int c = budget.capacity(t);
        if (t == 0 || c >= t) return report.detail("note", "left alone: budget " + c + " >= prompt " + t).finish(cache, t);
        double f = Math.min(1, budget.requestedFraction(t));
        double[] rho = proportions(f);
        double rRec = Double.isNaN(recentOpt) ? rho[0] : recentOpt, rHh = Double.isNaN(heavyOpt) ? rho[1] : heavyOpt;
        int s = Math.min(sinks, t);
        int recent = Math.min(t - s, (int) Math.ceil(rRec * t - 1e-9));
        int heavy = Math.min(t - s - recent, (int) Math.ceil(rHh * t - 1e-9));
        int[] target = exact ? targets(layers, t, c) : null;
        if (!exact) report.budgetReason("exact=false: ε is fixed at " + Options.fmt(eps) + ", so the merged size is data-dependent (as in the paper, A5)");
        else if ((long) layers * c < totalOf(target))
            report.budgetReason("layers 0, 1 and L-1 are never merged (skip-layers=paper) and hold more than the budget; the others keep one slot per head");
        long merged = 0, evicted = 0;
        StringBuilder epsPerLayer = new StringBuilder();
        for (int l = 0; l < layers; l++) {
            if (skipped(l, layers)) {
                epsPerLayer.append(l == 0 ? "" : ",").append("skip");
                continue;
            }
            AttentionStats st = statsForLayer.apply(l);
            Selection.checkStats(st, l, t, cache, name());
            double epsSum = 0;
            float[][] heavyScores = heavyScorer == null ? null
                    : heavyScorer.score(new LayerView(l, layers, cache.layer(l), st, gqa, 0), 0, t);
            for (int h = 0; h < heads; h++) {
                HeadContext ctx = new HeadContext(l, layers, h, cache.head(l, h), st, gqa, 0);
                long[] r = mergeHead(ctx, s, recent, heavy, target == null ? -1 : target[l], heavyScores == null ? null : heavyScores[h]);
                merged += r[0];
                evicted += r[1];
                epsSum += Double.longBitsToDouble(r[2]);
            }
            epsPerLayer.append(l == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", epsSum / heads));
        }
        report.detail("protected", "sinks=" + s + ",recent=" + recent + ",heavy=" + heavy);
        report.detail("merged", merged);
        if (exact) report.detail("evicted", evicted).detail("eps-per-layer", epsPerLayer);
        return report.finish(cache, t);
    }

    /**
     * Exact mode: slots per head per layer; skipped layers keep T, the others share the rest of L·C
     * (at least one slot each, when the skipped layers alone exceed the budget).
     */
    int[] targets(int layers, int t, int c) {
        int skippedCount = 0;
        for (int l = 0; l < layers; l++) if (skipped(l, layers)) skippedCount++;
        int merging = layers - skippedCount;
        long rest = Math.max((long) layers * c - (long) skippedCount * t, merging);
        int[] target = new int[layers];
        int k = 0;
        for (int l = 0; l < layers; l++) {
            if (skipped(l, layers)) target[l] = t;
            else target[l] = (int) (rest / merging + (k++ < rest % merging ? 1 : 0));
        }
        return target;
    }

    private static long totalOf(int[] target) {
        long n = 0;
        for (int x : target) n += x;
        return n;
    }

    /** Merges one head; returns {tokens absorbed by merging, slots evicted, bits of the ε used}. */
    private long[] mergeHead(HeadContext ctx, int sinks, int recent, int heavy, int target, float[] heavyScore) {
        HeadCache head = ctx.head();
        int t = head.size(), d = head.headDim();
        float[] a = ctx.accumulatedAttention(name());
        float[] k = Vectors.read(head.keys(), t);
        // 1. protected tokens: sinks, recent window, heavy hitters among the older ones
        byte[] cls = new byte[t]; // 0 = free, 1 = heavy, 2 = sink, 3 = recent
        for (int j = 0; j < sinks; j++) cls[j] = 2;
        for (int j = t - recent; j < t; j++) cls[j] = 3;
        if (heavy > 0) {
            float[] older = Arrays.copyOfRange(heavyScore != null ? heavyScore : a, sinks, t - recent);
            int[] order = Ranking.descending(older);
            for (int i = 0; i < heavy; i++) cls[sinks + order[i]] = 1;
        }
        // 2. merging sets: chains of adjacent unprotected pairs with cos > ε
        double[] norms = Vectors.norms(k, t, d);
        boolean[] join = new boolean[Math.max(0, t - 1)];
        int eligible = 0;
        float[] cos = new float[Math.max(0, t - 1)];
        for (int j = 0; j + 1 < t; j++) {
            cos[j] = cls[j] == 0 && cls[j + 1] == 0 ? (float) Vectors.cosine(k, j, j + 1, norms, d) : Float.NaN;
            if (!Float.isNaN(cos[j])) eligible++;
        }
        double epsUsed = eps;
        if (target < 0) {
            for (int j = 0; j + 1 < t; j++) join[j] = !Float.isNaN(cos[j]) && cos[j] > eps;
        } else {
            int need = Math.min(eligible, t - target); // joins needed: each join removes one slot
            int[] order = Ranking.descending(cos); // NaN (ineligible) ranks last
            for (int i = 0; i < need; i++) join[order[i]] = true;
            epsUsed = need <= 0 ? 1 : need == eligible ? -1 : cos[order[need - 1]];
        }
        // sets are the maximal runs [start, end] linked by joins
        int[] setStart = new int[t];
        int sets = 0;
        for (int j = 0; j < t; j++) {
            if (j == 0 || !join[j - 1]) setStart[sets++] = j;
        }
        boolean[] kept = new boolean[t];
        int[] pivot = new int[sets];
        for (int i = 0; i < sets; i++) {
            int from = setStart[i], to = i + 1 < sets ? setStart[i + 1] : t;
            int p = from;
            for (int j = from; j < to; j++) if (a[j] >= a[p]) p = j; // ties: the later token
            pivot[i] = p;
            kept[p] = true;
        }
        // 3. exact mode fallback: evict whole units (sets / protected slots) until #kept ≤ target
        long evicted = 0;
        if (target >= 0 && sets > target) evicted = evict(kept, pivot, setStart, sets, cls, a, t, sets - target);
        // 4. merge the surviving sets into their pivots
        long absorbed = 0;
        float[] v = null, mass = head.massOrNull() == null ? null : head.massOrNull().clone();
        int[] members = new int[t];
        float[] outK = new float[d], outV = new float[d];
        for (int i = 0; i < sets; i++) {
            int from = setStart[i], to = i + 1 < sets ? setStart[i + 1] : t;
            if (to - from < 2 || !kept[pivot[i]]) continue;
            if (v == null) v = Vectors.read(head.values(), t);
            for (int j = from; j < to; j++) members[j - from] = j;
            float m = kernel.merge(k, v, mass, d, pivot[i], members, to - from, outK, outV);
            head.set(pivot[i], outK, 0, outV, 0);
            if (kernel.massAware()) head.setMass(pivot[i], m);
            MergeTrace.record(ctx.layer(), ctx.kvHead(), head, pivot[i], members, to - from);
            absorbed += to - from - 1;
        }
        Selection.retain(head, kept);
        return new long[] {absorbed, evicted, Double.doubleToLongBits(epsUsed)};
    }

    /**
     * Evicts {@code count} units, cheapest first: free singletons by a, merged sets by their pivot's a,
     * heavy hitters by a, sinks, then recent tokens oldest first.
     */
    private static long evict(boolean[] kept, int[] pivot, int[] setStart, int sets, byte[] cls, float[] a, int t, int count) {
        long[] keys = new long[sets];
        for (int i = 0; i < sets; i++) {
            int from = setStart[i], to = i + 1 < sets ? setStart[i + 1] : t;
            int p = pivot[i];
            int rank = to - from > 1 ? 1 : switch (cls[p]) { case 0 -> 0; case 1 -> 2; case 2 -> 3; default -> 4; };
            float score = rank == 4 ? p : a[p];
            // sort key: (rank, score ascending, position ascending) packed; i indexes the unit
            keys[i] = ((long) rank << 60) | ((Ranking.sortable(score) ^ Integer.MIN_VALUE) & 0xFFFFFFFFL) << 27 | i;
        }
        Arrays.sort(keys);
        for (int i = 0; i < count; i++) kept[pivot[(int) (keys[i] & ((1L << 27) - 1))]] = false;
        return count;
    }
}
