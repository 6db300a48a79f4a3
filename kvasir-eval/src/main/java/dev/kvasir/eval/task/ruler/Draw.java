package dev.kvasir.eval.task.ruler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Random draws with the meaning of the Python calls RULER makes. */
final class Draw {
    private Draw() {}

    /** {@code random.sample(range(n), k)}: k distinct indices in random order. */
    static List<Integer> sample(Random rnd, int n, int k) {
        if (k > n) throw new IllegalArgumentException("cannot draw " + k + " distinct values from " + n);
        List<Integer> pool = new ArrayList<>(n);
        for (int i = 0; i < n; i++) pool.add(i);
        List<Integer> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(n - i);
            Collections.swap(pool, i, j);
            out.add(pool.get(i));
        }
        return out;
    }

    /** A number of {@code digits} digits, first digit non-zero ({@code random.randint(10**(d-1), 10**d - 1)}). */
    static String number(Random rnd, int digits) {
        long lo = (long) Math.pow(10, digits - 1);
        long hi = (long) Math.pow(10, digits) - 1;
        return String.valueOf(rnd.nextLong(lo, hi + 1));
    }

    /** {@code str(uuid.UUID(int=random.getrandbits(128), version=4))}. */
    static String uuid(Random rnd) {
        long msb = (rnd.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (rnd.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** {@code ''.join(random.choices(alphabet, k=length))}. */
    static String letters(Random rnd, String alphabet, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        return b.toString();
    }

    /** The 40 needle depths RULER draws from: {@code np.round(np.linspace(0, 100, 40)).astype(int)}. */
    static final int[] DEPTHS = depths();

    private static int[] depths() {
        int[] d = new int[40];
        for (int i = 0; i < 40; i++) d[i] = (int) Math.rint(100.0 * i / 39);
        return d;
    }
}
