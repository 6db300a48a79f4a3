package dev.kvasir.core.generate;

import java.util.Objects;

/**
 * A read-only sequence of ints without boxing: the token ids of a prompt and its generated
 * continuation, as the {@link Sampler} reads them for the repetition penalty.
 */
public interface IntSequence {
    IntSequence EMPTY = of();

    int size();

    int get(int index);

    default int[] toArray() {
        int[] a = new int[size()];
        for (int i = 0; i < a.length; i++) a[i] = get(i);
        return a;
    }

    /** A view of {@code values} (not a copy: later writes to the array show through). */
    static IntSequence of(int... values) {
        return of(values, values.length);
    }

    /** A view of the first {@code length} ints of {@code values}, e.g. a token buffer being filled. */
    static IntSequence of(int[] values, int length) {
        Objects.requireNonNull(values, "values");
        Objects.checkFromIndexSize(0, length, values.length);
        return new IntSequence() {
            @Override
            public int size() { return length; }

            @Override
            public int get(int index) {
                Objects.checkIndex(index, length);
                return values[index];
            }
        };
    }
}
