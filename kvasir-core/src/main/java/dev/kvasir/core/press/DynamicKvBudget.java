package dev.kvasir.core.press;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * DynamicKV's progressive layer budgets (Zhou et al., arXiv 2412.14838; official
 * {@code DynamicKVClusterV11}), replayed from the pooled window scores of every layer. With
 * base = C − w (w = window) and n = T − w:
 * <pre>
 *   b_s = min(⌊r_max·base⌋, n)                    every layer first keeps its top b_s, best first
 *   after layer ℓ with ℓ mod m = m − 1, over P = {0..ℓ}:
 *     top  = global top-(base·H·|P|) of the pooled scores of P (layers × heads × tokens jointly)
 *     cnt_p = |top ∩ layer p| div |P|
 *     at the last layer (|P| = L), if Σ cnt ≠ H·n:  cnt_{L−1} += base·H − Σ cnt      (need_add)
 *     f_p = cnt_p / Σ cnt,  raw_p = ⌊b_s·f_p⌋,  ρ = Σ raw / (base·L),  b_p = ⌊raw_p/ρ⌋,
 *     shortfall → last layer of P,  b_p ≤ n;  layer p's list (score order) is truncated to its
 *     first b_p entries, window re-appended
 * </pre>
 * The official {@code need_add} gives the last layer what the integer division of the counts by
 * |P| lost, so the shares sum to base·H at the final rebalance. Every head of a layer keeps the
 * same count; the final lists are the top-b_ℓ by score, so the press's usual top-k selection
 * reproduces them. ⌊b_s·f_p⌋ and ⌊raw_p/ρ⌋ are computed exactly in integers (the official float
 * arithmetic can land one below on exact quotients). Ties at the global top-k cut go to the lower
 * layer. Scores are per KV head (GQA-reduced), so H counts KV heads.
 *
 * <p>Quirks of the official code (methods.md §2.3), fixed by default, faithful as options:
 * <ul>
 *   <li>Q2: a b_p larger than the current list reaches into the window, which is then appended
 *       again (duplicate window tokens), and b_p ≤ n discards the rest. Fixed: b_p is capped by
 *       the current prefix length (and n) and what the caps cut off is divided again between the
 *       other layers of P, in proportion to their raw_p (water-filling, shortfall to the last
 *       uncapped layer), so Σ b_p = base·L is met exactly whenever the lists can hold it (they
 *       always can at the final rebalance). Without the redistribution DynamicKV undershot its
 *       budget (PressLayerBudgetTest, 64 tokens, 30 layers: 0.82 kept at 0.9, 0.14 at 0.2). Faithful:
 *       duplicates are kept as slot <em>mass</em> (a slot of mass m attends exactly like m
 *       copies; fewer bytes than the official copies) and the surplus over n is lost.</li>
 *   <li>Q3: with L mod m ≠ 0 the last layers are never rebalanced and keep b_s = r_max·base,
 *       which overshoots the budget (e.g. 30 layers). Fixed: a final rebalance after layer
 *       L − 1. (Our addition: not in methods.md's list of fixes.)</li>
 *   <li>Q4: no minimum per layer (radio_min only warns). Fixed: b_p ≥ ⌈r_min·base⌉ (r_min 0.1),
 *       taken from the largest layers.</li>
 *   <li>Q5: short prompts. Fixed: T ≤ C is left alone. Faithful: compress regardless (the
 *       rebalance may still cut layers); T &lt; w fails as the original does.</li>
 * </ul>
 * When the slots kept miss C·L·H by more than 2 % (only with faithful quirks), the allocation's
 * details carry a {@code budget_note} saying why.
 */
record DynamicKvBudget(double rMax, int m, double rMin, boolean fixQ2, boolean fixQ3, boolean fixQ4, boolean fixQ5, int window)
        implements BudgetAllocator {

    DynamicKvBudget {
        if (!(rMax >= 1)) throw new IllegalArgumentException("DynamicKV r_max must be >= 1, got " + rMax);
        if (m < 1) throw new IllegalArgumentException("DynamicKV m must be >= 1, got " + m);
        if (!(rMin >= 0 && rMin <= 1)) throw new IllegalArgumentException("DynamicKV r_min must be in [0, 1], got " + rMin);
    }

    @Override public boolean leavesShortPromptsAlone() { return fixQ5; }

    @Override public Allocation allocate(Context c) {
        int layers = c.layers(), heads = c.kvHeads(), n = c.selectable(), w = c.tokens() - c.hi();
        if (!fixQ5 && c.tokens() < window) throw new IllegalStateException("DynamicKV (faithful Q5): a prompt of " + c.tokens() + " tokens is shorter than the window " + window);
        int base = Math.max(0, c.capacity() - c.protectedCount());
        int bs = (int) Math.min(Math.floor(rMax * base), n);
        // each layer's list in score order: ranks 0..a-1 (the a best tokens), window slots as -1-k
        int[][] list = new int[layers][];
        int[] len = new int[layers];
        int rebalances = 0;
        for (int l = 0; l < layers; l++) {
            list[l] = new int[Math.max(1, bs + w)];
            for (int i = 0; i < bs; i++) list[l][i] = i;
            for (int k = 0; k < w; k++) list[l][bs + k] = -1 - k;
            len[l] = bs + w;
            boolean due = l % m == m - 1 || (fixQ3 && l == layers - 1);
            if (due) {
                rebalance(c, l + 1, base, bs, list, len, w);
                rebalances++;
            }
        }
        int[][] keep = new int[layers][heads];
        float[][] mass = new float[layers][];
        boolean duplicates = false;
        for (int l = 0; l < layers; l++) {
            int a = 0;
            float[] mult = new float[w];
            for (int i = 0; i < len[l]; i++) {
                if (list[l][i] >= 0) a++;
                else mult[-1 - list[l][i]]++;
            }
            Arrays.fill(keep[l], a);
            mass[l] = mult;
            for (float x : mult) duplicates |= x != 1f;
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("b_s", Integer.toString(bs));
        details.put("rebalances", Integer.toString(rebalances));
        String note = budgetNote(keep, (long) c.capacity() * layers * heads, (long) c.protectedCount() * layers * heads, duplicates, layers);
        if (note != null) details.put("budget_note", note);
        return new Allocation(keep, duplicates ? mass : null, details);
    }

    /** One re-division over layers 0..p-1 (p = |P|), truncating their lists. */
    private void rebalance(Context c, int p, int base, int bs, int[][] list, int[] len, int w) {
        int heads = c.kvHeads(), n = c.selectable(), layers = c.layers();
        long tk = (long) base * heads * p;
        long[] cnt = topCounts(c, p, tk);
        long sumCnt = 0;
        for (int q = 0; q < p; q++) {
            cnt[q] /= p;
            sumCnt += cnt[q];
        }
        if (p == layers && sumCnt != (long) heads * n) { // the official need_add, at the last layer only
            long needAdd = tk / layers - sumCnt;
            cnt[p - 1] += needAdd;
            sumCnt += needAdd;
        }
        long[] raw = new long[p];
        for (int q = 0; q < p; q++) raw[q] = sumCnt > 0 ? bs * cnt[q] / sumCnt : bs / p; // ⌊b_s·f_p⌋, exactly
        long total = (long) base * layers;
        long[] cap = new long[p];
        for (int q = 0; q < p; q++) cap[q] = fixQ2 ? Math.min(n, prefixLength(list[q], len[q])) : n;
        long[] b = fixQ2 ? waterFill(raw, cap, total) : divide(raw, new boolean[p], total);
        if (!fixQ2) for (int q = 0; q < p; q++) b[q] = Math.min(b[q], n); // the official cap: the surplus is lost
        if (fixQ4) applyFloor(b, list, len, (long) Math.ceil(rMin * base));
        for (int q = 0; q < p; q++) {
            int keepLen = (int) Math.min(b[q], len[q]);
            int newLen = keepLen + w;
            if (list[q].length < newLen) list[q] = Arrays.copyOf(list[q], newLen);
            for (int k = 0; k < w; k++) list[q][keepLen + k] = -1 - k;
            len[q] = newLen;
        }
    }

    /**
     * The official division of {@code total} between the layers not {@code fixed}: ⌊raw_p/ρ⌋ with
     * ρ = Σraw / total (exact integers; an even split when every raw_p is 0), the shortfall to the
     * last of them. Fixed layers get 0.
     */
    private static long[] divide(long[] raw, boolean[] fixed, long total) {
        int p = raw.length, last = -1, active = 0;
        long sumRaw = 0;
        for (int q = 0; q < p; q++) {
            if (fixed[q]) continue;
            sumRaw += raw[q];
            last = q;
            active++;
        }
        long[] b = new long[p];
        if (active == 0) return b;
        long sum = 0;
        for (int q = 0; q < p; q++) {
            if (fixed[q]) continue;
            b[q] = sumRaw > 0 ? raw[q] * total / sumRaw : total / active;
            sum += b[q];
        }
        b[last] += total - sum;
        return b;
    }

    /**
     * {@link #divide} with caps: a layer whose share exceeds its cap keeps its cap and leaves the
     * rest to be divided again between the others (at most p rounds, each fixes a layer).
     */
    private static long[] waterFill(long[] raw, long[] cap, long total) {
        int p = raw.length;
        boolean[] fixed = new boolean[p];
        long rest = total;
        while (true) {
            long[] b = divide(raw, fixed, rest);
            boolean capped = false;
            for (int q = 0; q < p; q++) {
                if (!fixed[q] && b[q] > cap[q]) {
                    fixed[q] = true;
                    rest -= cap[q];
                    capped = true;
                }
            }
            if (!capped) {
                for (int q = 0; q < p; q++) if (fixed[q]) b[q] = cap[q];
                return b;
            }
        }
    }

    /** Why the slots kept miss the budget C·L·H by more than 2 % (faithful quirks only), or null. */
    private String budgetNote(int[][] keep, long budget, long protectedSlots, boolean duplicates, int layers) {
        long kept = protectedSlots;
        for (int[] k : keep) for (int x : k) kept += x;
        if (Math.abs(kept - budget) <= 0.02 * budget) return null;
        StringBuilder why = new StringBuilder();
        if (duplicates) why.append("; q2=faithful: window slots the official code duplicates are held once, with mass");
        else if (!fixQ2 && kept < budget) why.append("; q2=faithful: the official cap b ≤ T − w discards the surplus");
        if (!fixQ3 && layers % m != 0) why.append("; q3=faithful: the last ").append(layers % m).append(" layers are never rebalanced and keep b_s");
        if (!fixQ5) why.append("; q5=faithful: a prompt within the budget is compressed anyway");
        return String.format(Locale.ROOT, "kept %d of %d slots (%.1f %%)%s", kept, budget, 100.0 * kept / budget, why);
    }

    private static int prefixLength(int[] list, int len) {
        int a = 0;
        while (a < len && list[a] >= 0) a++;
        return a;
    }

    /** Raises layers below min(floor, current prefix) to it, taking slots from the largest layers. */
    private static void applyFloor(long[] b, int[][] list, int[] len, long floor) {
        long deficit = 0;
        long[] lower = new long[b.length];
        for (int q = 0; q < b.length; q++) {
            lower[q] = Math.min(floor, prefixLength(list[q], len[q]));
            if (b[q] < lower[q]) {
                deficit += lower[q] - b[q];
                b[q] = lower[q];
            }
        }
        while (deficit > 0) {
            int big = -1;
            for (int q = 0; q < b.length; q++) if (b[q] > lower[q] && (big < 0 || b[q] > b[big])) big = q;
            if (big < 0) break;
            long second = lower[big];
            for (int q = 0; q < b.length; q++) if (q != big && b[q] > lower[q]) second = Math.max(second, b[q]);
            long take = Math.min(deficit, Math.max(1, b[big] - second));
            b[big] -= take;
            deficit -= take;
        }
    }

    /**
     * How many of the global top-k entries over layers 0..p-1 (all heads, all tokens) each layer
     * holds. The k-th largest score is found by bisection over the sortable keys, counting with
     * binary searches in each head's sorted scores: O(p·H·log n·32), no copy of the scores.
     */
    private static long[] topCounts(Context c, int p, long k) {
        int heads = c.kvHeads(), n = c.selectable();
        long[] cnt = new long[p];
        if (k >= (long) p * heads * n) {
            Arrays.fill(cnt, (long) heads * n);
            return cnt;
        }
        if (k <= 0) return cnt;
        long lo = Integer.MIN_VALUE, hi = Integer.MAX_VALUE; // largest τ with count(≥ τ) ≥ k
        while (lo < hi) {
            long mid = (lo + hi + 1) >> 1;
            if (countAtLeast(c, p, mid) >= k) lo = mid;
            else hi = mid - 1;
        }
        long ties = k - countAtLeast(c, p, lo + 1); // entries equal to the threshold, taken layer by layer
        for (int q = 0; q < p; q++) {
            for (int h = 0; h < heads; h++) {
                HeadScores s = c.scores()[q][h];
                int above = s.countAtLeast(lo + 1);
                int equal = s.countAtLeast(lo) - above;
                int take = (int) Math.min(equal, ties);
                ties -= take;
                cnt[q] += above + take;
            }
        }
        return cnt;
    }

    private static long countAtLeast(Context c, int p, long key) {
        long n = 0;
        for (int q = 0; q < p; q++) for (HeadScores s : c.scores()[q]) n += s.countAtLeast(key);
        return n;
    }
}
