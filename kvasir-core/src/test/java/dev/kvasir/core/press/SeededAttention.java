package dev.kvasir.core.press;

/**
 * Seeded window attention rows, the Java twin of {@code parity_io.seeded_window_rows} in
 * {@code tools/reference/}: the same SplitMix64 draws, Irwin-Hall Gaussians (additions only) and
 * expression order, so both sides build the same keys and queries bit for bit; only the softmax's
 * exp may differ in the last bit, far below the margins the references check at every top-k cut.
 */
final class SeededAttention {
    private long state;

    private SeededAttention(long seed) {
        this.state = seed;
    }

    private long next() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private double uniform() { return (next() >>> 11) * 0x1.0p-53; }

    private double gauss() {
        double s = 0;
        for (int i = 0; i < 12; i++) s += uniform();
        return s - 6.0;
    }

    /** Rows [layer][query head][r][T] of the last {@code window} queries (see the Python docstring). */
    static float[][][][] windowRows(long seed, int layers, int queryHeads, int kvHeads, int tokens, int window) {
        final int dim = 16;
        SeededAttention r = new SeededAttention(seed);
        int g = queryHeads / kvHeads;
        float[][][][] rows = new float[layers][queryHeads][window][tokens];
        for (int l = 0; l < layers; l++) {
            double sharp = 1.0 + 0.5 * l;
            for (int h = 0; h < kvHeads; h++) {
                double[] u = new double[dim], k = new double[dim];
                for (int i = 0; i < dim; i++) u[i] = r.gauss();
                for (int i = 0; i < dim; i++) k[i] = r.gauss();
                double[][] keys = new double[tokens][];
                for (int j = 0; j < tokens; j++) {
                    for (int i = 0; i < dim; i++) k[i] = 0.8 * k[i] + 0.6 * r.gauss();
                    keys[j] = k.clone();
                }
                for (int n = 0; n < tokens / 16; n++) {
                    int j = (int) (r.uniform() * tokens);
                    for (int i = 0; i < dim; i++) keys[j][i] += 1.5 * u[i];
                }
                double scale = 1.0 / Math.sqrt(dim);
                for (int a = 0; a < g; a++) {
                    int q = h * g + a;
                    for (int rr = 0; rr < window; rr++) {
                        double[] qi = new double[dim];
                        for (int i = 0; i < dim; i++) qi[i] = sharp * (u[i] + 0.7 * r.gauss());
                        int t = tokens - window + rr;
                        double[] logits = new double[t + 1];
                        double m = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j <= t; j++) {
                            double s = 0;
                            for (int i = 0; i < dim; i++) s += qi[i] * keys[j][i];
                            logits[j] = s * scale;
                            m = Math.max(m, logits[j]);
                        }
                        double tot = 0;
                        for (int j = 0; j <= t; j++) {
                            logits[j] = Math.exp(logits[j] - m);
                            tot += logits[j];
                        }
                        for (int j = 0; j <= t; j++) rows[l][q][rr][j] = (float) (logits[j] / tot);
                    }
                }
            }
        }
        return rows;
    }
}
