package dev.kvasir.core.press;

import java.util.Locale;

/**
 * SnapKV's 1-D pooling along the token axis: stride 1, padding ⌊k/2⌋, output length = input
 * length; {@link #AVG} pads with zeros and divides by k (PyTorch's count_include_pad), {@link #MAX}
 * ignores the padding (−∞). "Clusters" neighbours so a selected token keeps its context.
 */
public enum Pooling {
    AVG, MAX;

    public float[] apply(float[] v, int kernel) {
        if (kernel < 1 || kernel % 2 == 0) throw new IllegalArgumentException("pooling kernel must be odd and >= 1, got " + kernel);
        int n = v.length, r = kernel / 2;
        float[] out = new float[n];
        if (kernel == 1) return v.clone();
        if (this == AVG) {
            double run = 0; // sliding window sum over [j - r, j + r] ∩ [0, n)
            for (int i = 0; i < Math.min(r, n); i++) run += v[i];
            for (int j = 0; j < n; j++) {
                if (j + r < n) run += v[j + r];
                if (j - r - 1 >= 0) run -= v[j - r - 1];
                out[j] = (float) (run / kernel);
            }
        } else {
            // sliding-window maximum with a monotonic deque: O(n) whatever the kernel
            int[] dq = new int[n];
            int head = 0, tail = 0, next = 0;
            for (int j = 0; j < n; j++) {
                for (int e = Math.min(n - 1, j + r); next <= e; next++) {
                    while (tail > head && v[dq[tail - 1]] <= v[next]) tail--;
                    dq[tail++] = next;
                }
                while (dq[head] < j - r) head++;
                out[j] = v[dq[head]];
            }
        }
        return out;
    }

    public String label() { return name().toLowerCase(Locale.ROOT); }

    static Pooling parse(Options o, Pooling def) {
        return valueOf(o.choice("pooling", def.label(), "max", "avg").toUpperCase(Locale.ROOT));
    }
}
