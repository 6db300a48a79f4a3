package dev.kvasir.core.gguf;

/** Names the Java representation of a metadata value in error messages. */
final class GgufValues {
    private GgufValues() {}

    static String describe(Object v) {
        return switch (v) {
            case null -> "nothing";
            case Long l -> "the integer " + l;
            case Float f -> "the float32 " + f;
            case Double d -> "the float64 " + d;
            case Boolean b -> "the bool " + b;
            case String s -> "a string";
            case String[] a -> "an array of " + a.length + " strings";
            case int[] a -> "an array of " + a.length + " small integers";
            case long[] a -> "an array of " + a.length + " 64-bit integers";
            case float[] a -> "an array of " + a.length + " float32";
            case double[] a -> "an array of " + a.length + " float64";
            case boolean[] a -> "an array of " + a.length + " bools";
            case Object[] a -> "an array of " + a.length + " arrays";
            default -> v.getClass().getSimpleName();
        };
    }
}
