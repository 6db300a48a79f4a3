package dev.kvasir.eval.run;

import java.util.ArrayList;
import java.util.List;

/**
 * A slice of the samples for one machine: {@code index/count} takes samples
 * {@code index, index + count, index + 2·count, ...} (0-based), so that shards get a mix of
 * lengths and depths and take about the same time. Each shard writes its own results file; a
 * report over the directory holding all of them covers the whole run.
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + ": expected i/N with 0 <= i < N");
        }
    }

    /** Parses {@code i/N}. */
    public static Shard parse(String s) {
        String[] p = s.trim().split("/");
        try {
            if (p.length == 2) return new Shard(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("--shard takes i/N (0-based, e.g. 0/4), got '" + s + "'");
    }

    public <T> List<T> select(List<T> items) {
        if (count == 1) return items;
        List<T> out = new ArrayList<>();
        for (int i = index; i < items.size(); i += count) out.add(items.get(i));
        return out;
    }

    /** Suffix for the shard's results file: empty for the whole run. */
    public String fileSuffix() {
        return count == 1 ? "" : "-shard" + index + "of" + count;
    }
}
