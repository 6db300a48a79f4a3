package dev.kvasir.core.generate;

import java.util.List;
import java.util.Objects;

/**
 * Ends streamed text at the first stop string without ever emitting any part of it. Each
 * {@link #push(String) piece} of generated text returns what is safe to show now; text that
 * could still turn out to start a stop string is held back until later pieces settle it. When a
 * stop string is found, the text before it is returned, the stop string and anything after it
 * are dropped, and {@link #stopped()} turns true. {@link #flush()} at the end of generation
 * releases what is held back.
 *
 * <p>The result does not depend on how the text was split into pieces: it is the text before the
 * earliest occurrence of any stop string. So a stop string that completes while a longer one
 * that would start earlier is still possible waits for it to be settled (stops "c" and "acc" on
 * "...ac" + "c" end at the "a"). Of stop strings starting at the same place, the one found
 * complete first (then the one listed first) is {@linkplain #matchedStop() reported}. At most
 * (longest stop string − 1) characters are held back. One matcher per generation; not
 * thread-safe.
 */
public final class StopStringMatcher {
    private final List<String> stops;
    private final int longest;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    public StopStringMatcher(List<String> stopStrings) {
        this.stops = List.copyOf(stopStrings);
        int max = 0;
        for (String s : stops) {
            if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
            max = Math.max(max, s.length());
        }
        this.longest = max;
    }

    public static StopStringMatcher of(String... stopStrings) {
        return new StopStringMatcher(List.of(stopStrings));
    }

    /** Consumes a piece of text; returns the text that can be emitted now (possibly empty; always empty once stopped). */
    public String push(String piece) {
        Objects.requireNonNull(piece, "piece");
        if (matched != null) return "";
        if (stops.isEmpty()) return piece;
        held.append(piece);
        return settle(false);
    }

    /**
     * At the end of generation: the text still held back, cut before a stop string that was only
     * waiting for a longer one to be ruled out (then {@link #stopped()} turns true). Empty once stopped.
     */
    public String flush() {
        if (matched != null) return "";
        return settle(true);
    }

    private String settle(boolean end) {
        // A complete match cannot start inside text already emitted, so the held text is all there is to search.
        int at = -1;
        String found = null;
        for (String stop : stops) {
            int i = held.indexOf(stop);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                found = stop;
            }
        }
        int open = end ? held.length() : earliestOpenMatch();
        if (at >= 0 && at <= open) {
            matched = found;
            String out = held.substring(0, at);
            held.setLength(0);
            return out;
        }
        String out = held.substring(0, open);
        held.delete(0, open);
        return out;
    }

    /** Where the earliest possible start of a stop string lies: the first suffix of the held text that is a proper prefix of a stop. */
    private int earliestOpenMatch() {
        int n = held.length();
        for (int from = Math.max(0, n - (longest - 1)); from < n; from++) {
            for (String stop : stops) {
                if (stop.length() > n - from && startsWithRegion(stop, from, n - from)) return from;
            }
        }
        return n;
    }

    private boolean startsWithRegion(String stop, int from, int length) {
        for (int i = 0; i < length; i++) {
            if (held.charAt(from + i) != stop.charAt(i)) return false;
        }
        return true;
    }

    /** True once a stop string has been found: generation should end. */
    public boolean stopped() { return matched != null; }

    /** The stop string that ended the text, or null. */
    public String matchedStop() { return matched; }

    /** Characters currently held back. */
    public int heldBack() { return held.length(); }
}
