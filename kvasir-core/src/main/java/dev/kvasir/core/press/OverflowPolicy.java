package dev.kvasir.core.press;

/**
 * The fate of the tokens that do not fit: dropped, or merged into kept slots before they go.
 * Called per KV head after selection and before retention, with {@code kept[slot]}; may rewrite
 * kept slots ({@code HeadCache.set}, {@code setMass}) but never changes which slots are kept.
 */
public interface OverflowPolicy {

    /** Drop: the evicted tokens are simply gone. */
    OverflowPolicy DROP = new OverflowPolicy() {
        @Override public StatsRequest statsRequest() { return StatsRequest.NONE; }

        @Override public int resolve(HeadContext ctx, boolean[] kept) { return 0; }

        @Override public String label() { return "drop"; }
    };

    StatsRequest statsRequest();

    /** Merges (some of) the evicted tokens into kept slots; returns how many evicted tokens were merged. */
    int resolve(HeadContext ctx, boolean[] kept);

    String label();
}
