package dev.kvasir.core.press;

import java.util.Locale;

/**
 * How much of the prompt's KV cache a press may keep. Every form resolves, for a prompt of T
 * tokens, to a <em>capacity</em> C: the number of slots kept per layer per KV head on average
 * (over layers and KV heads), protected sinks and window included. Methods with non-uniform
 * budgets (PyramidKV, AdaKV, DynamicKV) redistribute C·layers·kvHeads but never exceed it
 * (except PyramidKV's faithful integer rounding, see {@link PyramidBudget}); a prompt with
 * T ≤ C is left alone.
 *
 * <ul>
 *   <li>{@link #fraction(double)}: C = ⌊f·T⌋, the fraction of prompt tokens kept (H2O / CaM /
 *       KVMerger "x % budget"), f ∈ (0, 1];</li>
 *   <li>{@link #tokensPerHead(int)}: C = N, KVCache-Factory's {@code max_capacity_prompt}
 *       (window included), N ≥ 1;</li>
 *   <li>{@link #compressionRatio(double)}: C = ⌊T·(1 − r)⌋, kvpress's ratio of removed
 *       pairs, r ∈ [0, 1).</li>
 * </ul>
 * C is at least 1.
 */
public sealed interface Budget {

    /** Slots kept per layer per KV head on average, for a prompt of {@code promptTokens} tokens. */
    int capacity(int promptTokens);

    /** The requested fraction of the prompt kept (C/T before rounding); may exceed 1 for token budgets. */
    double requestedFraction(int promptTokens);

    /** Human-readable form for reports, e.g. {@code fraction=0.35}. */
    String describe();

    static Budget fraction(double f) {
        if (!(f > 0 && f <= 1)) throw new IllegalArgumentException("budget fraction must be in (0, 1], got " + f);
        return new Fraction(f);
    }

    static Budget tokensPerHead(int n) {
        if (n < 1) throw new IllegalArgumentException("budget tokens per head must be >= 1, got " + n);
        return new TokensPerHead(n);
    }

    static Budget compressionRatio(double r) {
        if (!(r >= 0 && r < 1)) throw new IllegalArgumentException("compression ratio must be in [0, 1), got " + r);
        return new CompressionRatio(r);
    }

    /** Parses {@code fraction=0.35}, {@code tokens=128} or {@code ratio=0.5} (also with ':'). */
    static Budget parse(String s) {
        String[] kv = s.trim().split("[=:]", 2);
        if (kv.length != 2) throw new IllegalArgumentException("budget '" + s + "' must look like fraction=0.35, tokens=128 or ratio=0.5");
        String v = kv[1].trim();
        try {
            return switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "fraction" -> fraction(Double.parseDouble(v));
                case "tokens" -> tokensPerHead(Integer.parseInt(v));
                case "ratio" -> compressionRatio(Double.parseDouble(v));
                default -> throw new IllegalArgumentException("unknown budget kind '" + kv[0] + "' (expected fraction, tokens or ratio)");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("budget '" + s + "': '" + v + "' is not a number", e);
        }
    }

    record Fraction(double fraction) implements Budget {
        @Override public int capacity(int t) { return Math.max(1, (int) Math.floor(fraction * t + 1e-9)); }
        @Override public double requestedFraction(int t) { return fraction; }
        @Override public String describe() { return "fraction=" + fraction; }
    }

    record TokensPerHead(int tokens) implements Budget {
        @Override public int capacity(int t) { return tokens; }
        @Override public double requestedFraction(int t) { return t == 0 ? 1 : (double) tokens / t; }
        @Override public String describe() { return "tokens=" + tokens; }
    }

    record CompressionRatio(double ratio) implements Budget {
        @Override public int capacity(int t) { return Math.max(1, (int) Math.floor(t * (1 - ratio) + 1e-9)); }
        @Override public double requestedFraction(int t) { return 1 - ratio; }
        @Override public String describe() { return "ratio=" + ratio; }
    }
}
