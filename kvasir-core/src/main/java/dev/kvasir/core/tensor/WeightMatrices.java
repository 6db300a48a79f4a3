package dev.kvasir.core.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.kvasir.core.gguf.GgmlType;

/** Creates the {@link WeightMatrix} kernels for a tensor's type. */
public final class WeightMatrices {
    private WeightMatrices() {}

    /**
     * A {@code rows × cols} matrix over {@code data}, which holds the rows one after the other
     * in ggml's little-endian block layout of {@code type} (as in a GGUF file) and is used in
     * place, not copied.
     *
     * @throws IllegalArgumentException if {@code type} has no kernels, {@code cols} is not a
     *     multiple of its block size, or {@code data} is not exactly {@code rows} rows long
     */
    public static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q4_1 -> new Q4_1Matrix(data, rows, cols);
            case Q5_0 -> new Q5_0Matrix(data, rows, cols);
            case Q5_1 -> new Q5_1Matrix(data, rows, cols);
            case Q4_K -> new Q4_KMatrix(data, rows, cols);
            case Q5_K -> new Q5_KMatrix(data, rows, cols);
            case Q6_K -> new Q6_KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException("unsupported weight type " + type
                    + ": no matrix kernels (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)");
        };
    }

    /** Whether {@link #of} accepts this type. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }
}
