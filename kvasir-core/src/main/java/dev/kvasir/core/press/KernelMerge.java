package dev.kvasir.core.press;

import java.util.Arrays;

/**
 * KVMerger's Gaussian-kernel weighted merging (Algorithm 2 of Wang et al., arXiv 2407.08454) of a
 * set S into its pivot p:
 * <pre>
 *   g_i = exp(−‖k_p − k_i‖² / (2σ²))          (g_p = 1)
 *   w_i = g_i·m_i / Σ_{j∈S} g_j·m_j           (m_i = mass of slot i, 1 for plain tokens)
 *   k*  = Σ w_i k_i
 *   v*  = |S|·Σ w_i v_i    (paper rule, |S| = Σ m_i)   or   Σ w_i v_i   (average rule / mass-aware)
 * </pre>
 * σ is fixed (5, the paper's grid-search optimum) or {@code auto}: the one-step fixed point of the
 * paper's circular definition, σ₀ = RMS distance of the members to the pivot,
 * σ₁ = mean_{i∈S} g_i(σ₀) / √2. In mass-aware mode the merged slot records the tokens it stands
 * for and the attention kernel adds log(mass) to its logit, so the value is the plain weighted
 * average (the mass replaces the |S| factor).
 */
record KernelMerge(double sigma, boolean paperValueRule, boolean massAware) {

    KernelMerge {
        if (!Double.isNaN(sigma) && !(sigma > 0)) throw new IllegalArgumentException("sigma must be > 0 or auto, got " + sigma);
        if (massAware && paperValueRule) throw new IllegalArgumentException("the |S| value rule and mass-aware merging are exclusive: the mass replaces |S|");
    }

    /**
     * Merges {@code members[0..count)} (which include the pivot) of the original flat arrays K, V
     * (dimension d, masses {@code mass} or null) into {@code outK}, {@code outV}; returns Σ m_i.
     */
    float merge(float[] k, float[] v, float[] mass, int d, int pivot, int[] members, int count, float[] outK, float[] outV) {
        double s = Double.isNaN(sigma) ? autoSigma(k, d, pivot, members, count) : sigma;
        double inv2s2 = 1.0 / (2 * s * s);
        double[] w = new double[count];
        double sum = 0, totalMass = 0;
        for (int i = 0; i < count; i++) {
            int j = members[i];
            double m = mass == null ? 1 : mass[j];
            w[i] = Math.exp(-Vectors.dist2(k, pivot, j, d) * inv2s2) * m;
            sum += w[i];
            totalMass += m;
        }
        double valueScale = paperValueRule ? totalMass : 1;
        Arrays.fill(outK, 0, d, 0f);
        Arrays.fill(outV, 0, d, 0f);
        for (int i = 0; i < count; i++) {
            float wi = (float) (w[i] / sum);
            Vectors.addScaled(wi, k, members[i], outK, d);
            Vectors.addScaled((float) (wi * valueScale), v, members[i], outV, d);
        }
        return (float) totalMass;
    }

    /** σ₁ = mean_{i∈S} exp(−d_i²/(2σ₀²)) / √2 with σ₀ = RMS distance of the non-pivot members. */
    static double autoSigma(float[] k, int d, int pivot, int[] members, int count) {
        double sq = 0;
        int others = 0;
        double[] d2 = new double[count];
        for (int i = 0; i < count; i++) {
            d2[i] = Vectors.dist2(k, pivot, members[i], d);
            if (members[i] != pivot) { sq += d2[i]; others++; }
        }
        double s0 = others == 0 ? 0 : Math.sqrt(sq / others);
        double meanG = 0;
        for (int i = 0; i < count; i++) meanG += s0 == 0 ? 1 : Math.exp(-d2[i] / (2 * s0 * s0));
        meanG /= count;
        return meanG / Math.sqrt(2);
    }

    String label() {
        return "sigma=" + (Double.isNaN(sigma) ? "auto" : Options.fmt(sigma)) + ",value-rule=" + (paperValueRule ? "paper" : "average") + ",mass=" + massAware;
    }
}
