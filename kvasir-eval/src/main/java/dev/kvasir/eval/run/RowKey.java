package dev.kvasir.eval.run;

import dev.kvasir.eval.report.ResultRow;

import java.util.Map;
import java.util.TreeMap;

/**
 * Identity of a result row for resuming: task, sample id, method, its effective options, the
 * requested budget and the query mode. A row with the same key is never computed twice.
 */
public final class RowKey {
    private RowKey() {}

    public static String of(ResultRow row) {
        return of(row.task(), row.sampleId(), row.method(), row.options(), row.budgetRequested(), row.queryMode());
    }

    public static String of(String task, String sampleId, String method, Map<String, ?> options, double budget, String queryMode) {
        // sorted and stringified: rows read back from JSON carry the same options as strings
        Map<String, String> sorted = new TreeMap<>();
        options.forEach((k, v) -> sorted.put(k, String.valueOf(v)));
        return task + '\u0000' + sampleId + '\u0000' + method + '\u0000' + sorted + '\u0000' + budget + '\u0000' + queryMode;
    }
}
