package dev.kvasir.core.press;

/**
 * Which attention statistics a press needs from prefill: accumulated column sums and/or the
 * attention rows of the last {@code window} queries. The engine gathers only these.
 */
public record StatsRequest(boolean columnSums, int window) {
    public static final StatsRequest NONE = new StatsRequest(false, 0);

    public StatsRequest union(StatsRequest o) {
        return new StatsRequest(columnSums || o.columnSums, Math.max(window, o.window));
    }

    public boolean any() { return columnSums || window > 0; }
}
