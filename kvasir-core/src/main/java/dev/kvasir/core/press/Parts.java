package dev.kvasir.core.press;

/** Option groups shared by several named methods. */
final class Parts {
    private Parts() {}

    /** SnapKV-style scorer options: window, kernel, pooling. */
    static WindowAttention windowScorer(Options o, int window, int kernel, Pooling pooling) {
        int w = o.integer("window", window, 1, Integer.MAX_VALUE);
        int k = o.integer("kernel", kernel, 1, 1025);
        if (k % 2 == 0) throw o.error("kernel", Integer.toString(k), "must be odd");
        return new WindowAttention(w, k, Pooling.parse(o, pooling));
    }

    /** DynamicKV's allocator options. */
    static DynamicKvBudget dynamicKvBudget(Options o, int window) {
        double rMax = o.real("r-max", 10, 1, false, 1e6, false);
        int m = o.integer("m", 4, 1, Integer.MAX_VALUE);
        double rMin = o.real("r-min", 0.1, 0, false, 1, false);
        return new DynamicKvBudget(rMax, m, rMin, fixed(o, "q2"), fixed(o, "q3"), fixed(o, "q4"), fixed(o, "q5"), window);
    }

    private static boolean fixed(Options o, String quirk) {
        return o.choice(quirk, "fixed", "fixed", "faithful").equals("fixed");
    }

    /**
     * Gaussian-kernel merge options: sigma, mass, value-rule. σ is bounded to [1e-6, 1e6]: below
     * ~1e-154 σ² underflows to 0 and the pivot's weight exp(−0/0) is NaN (NaN keys, then NaN logits);
     * at either bound the kernel already is a pure pivot pick or a plain average for any real keys.
     */
    static KernelMerge kernelMerge(Options o, boolean massDefault) {
        double sigma = o.realOrAuto("sigma", "5", 1e-6, false, 1e6);
        boolean mass = o.flag("mass", massDefault);
        String rule = o.choice("value-rule", mass ? "average" : "paper", "paper", "average");
        if (mass && rule.equals("paper")) throw o.error("value-rule", rule, "conflicts with mass=true (the mass replaces the |S| factor)");
        return new KernelMerge(sigma, rule.equals("paper"), mass);
    }

    /** A scorer chosen by name (AdaKV's {@code scorer} option), with that scorer's own options. */
    static TokenScorer namedScorer(Options o, String def) {
        return switch (o.choice("scorer", def, "snapkv", "h2o", "tova", "knorm", "random")) {
            case "snapkv" -> windowScorer(o, 32, 7, Pooling.MAX);
            case "h2o" -> TokenScorer.accumulated(o.choice("score", "raw", "raw", "normalised").equals("normalised"));
            case "tova" -> TokenScorer.lastQuery(false);
            case "knorm" -> TokenScorer.keyNorm();
            default -> TokenScorer.random();
        };
    }
}
