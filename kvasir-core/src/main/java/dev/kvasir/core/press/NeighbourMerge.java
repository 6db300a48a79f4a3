package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

/**
 * Our KVMerger-style fate for evicted tokens (used by {@code dynamickv-merge}): instead of being
 * dropped, each evicted token e merges into its most similar kept <em>neighbour</em>, i.e. the
 * nearest kept slot before e or the nearest kept slot after e, whichever key has the higher
 * cosine similarity with k_e (KVMerger's observation O1: key similarity is local), provided that
 * similarity exceeds ε (KVMerger's 0.75 by default); otherwise e is dropped. Every kept slot t
 * then absorbs its set S = {t} ∪ {e → t} with KVMerger's Gaussian kernel centred on t
 * ({@link KernelMerge}: t plays the pivot, chosen by attention as KVMerger's pivot is). Mass-aware
 * by default: the slot records |S| tokens and the value is the weighted average. All similarities
 * and weights use the original keys, so the result does not depend on processing order.
 */
record NeighbourMerge(double eps, KernelMerge kernel) implements OverflowPolicy {

    @Override public StatsRequest statsRequest() { return StatsRequest.NONE; }

    @Override public String label() { return "neighbour-merge(eps=" + Options.fmt(eps) + "," + kernel.label() + ")"; }

    @Override public int resolve(HeadContext ctx, boolean[] kept) {
        HeadCache head = ctx.head();
        int t = head.size(), d = head.headDim();
        int[] target = new int[t];
        float[] k = Vectors.read(head.keys(), t);
        double[] norms = Vectors.norms(k, t, d);
        int prev = -1, merged = 0;
        int[] nextKept = new int[t];
        int nk = -1;
        for (int j = t - 1; j >= 0; j--) {
            nextKept[j] = nk;
            if (kept[j]) nk = j;
        }
        int[] absorbed = new int[t];
        for (int e = 0; e < t; e++) {
            target[e] = -1;
            if (kept[e]) { prev = e; continue; }
            int next = nextKept[e];
            double cp = prev >= 0 ? Vectors.cosine(k, e, prev, norms, d) : Double.NEGATIVE_INFINITY;
            double cn = next >= 0 ? Vectors.cosine(k, e, next, norms, d) : Double.NEGATIVE_INFINITY;
            int best = cn >= cp ? next : prev;
            double c = Math.max(cp, cn);
            if (best >= 0 && c > eps) {
                target[e] = best;
                absorbed[best]++;
                merged++;
            }
        }
        if (merged == 0) return 0;
        float[] v = Vectors.read(head.values(), t);
        float[] mass = head.massOrNull() == null ? null : head.massOrNull().clone();
        // members of each target, grouped by a counting sort over targets
        int[] start = new int[t + 1];
        for (int j = 0; j < t; j++) start[j + 1] = start[j] + (absorbed[j] > 0 ? absorbed[j] + 1 : 0);
        int[] members = new int[start[t]];
        int[] fill = new int[t];
        for (int j = 0; j < t; j++) if (absorbed[j] > 0) members[start[j] + fill[j]++] = j;
        for (int e = 0; e < t; e++) if (target[e] >= 0) members[start[target[e]] + fill[target[e]]++] = e;
        float[] outK = new float[d], outV = new float[d];
        int[] set = new int[t];
        for (int j = 0; j < t; j++) {
            if (absorbed[j] == 0) continue;
            int count = start[j + 1] - start[j];
            System.arraycopy(members, start[j], set, 0, count);
            float m = kernel.merge(k, v, mass, d, j, set, count, outK, outV);
            head.set(j, outK, 0, outV, 0);
            if (kernel.massAware()) head.setMass(j, m);
            MergeTrace.record(ctx.layer(), ctx.kvHead(), head, j, set, count);
        }
        return merged;
    }
}
