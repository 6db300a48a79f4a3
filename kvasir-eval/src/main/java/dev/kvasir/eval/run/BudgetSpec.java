package dev.kvasir.eval.run;

import dev.kvasir.core.press.Budget;

import java.util.Locale;

/**
 * A budget as the papers state it: a fraction of the prompt's KV cache (KVMerger, H2O, CaM:
 * 0.5, 0.35) or tokens kept per layer and KV head, window included (DynamicKV, SnapKV,
 * PyramidKV: 64 ... 512), or the full cache. {@link #requested()} is the number written in
 * result rows (1 for the full cache).
 */
public record BudgetSpec(Kind kind, double value) {
    public enum Kind { FULL, FRACTION, TOKENS }

    public static final BudgetSpec FULL = new BudgetSpec(Kind.FULL, 1);

    public BudgetSpec {
        switch (kind) {
            case FULL -> value = 1;
            case FRACTION -> {
                if (!(value > 0 && value <= 1)) throw new IllegalArgumentException("budget fractions are in (0, 1], got " + value);
            }
            case TOKENS -> {
                if (value < 1 || value != Math.rint(value)) throw new IllegalArgumentException("token budgets are whole numbers >= 1, got " + value);
            }
        }
    }

    public static BudgetSpec fraction(double f) {
        return new BudgetSpec(Kind.FRACTION, f);
    }

    public static BudgetSpec tokens(int n) {
        return new BudgetSpec(Kind.TOKENS, n);
    }

    public double requested() {
        return value;
    }

    public Budget toBudget() {
        return switch (kind) {
            case FULL -> Budget.fraction(1.0);
            case FRACTION -> Budget.fraction(value);
            case TOKENS -> Budget.tokensPerHead((int) value);
        };
    }

    /** Short label: {@code 0.35}, {@code 128t}, {@code full}. */
    public String label() {
        return switch (kind) {
            case FULL -> "full";
            case FRACTION -> String.format(Locale.ROOT, "%s", trim(value));
            case TOKENS -> (int) value + "t";
        };
    }

    private static String trim(double v) {
        String s = Double.toString(v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
