package dev.kvasir.eval.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paired comparison of two configurations run on the same samples: the rows are matched by
 * sample id, and the bootstrap resamples the per-sample differences, so that what both
 * configurations find hard or easy cancels out (a much tighter interval than two independent
 * ones when the methods agree on most samples). Samples only one side has are left out.
 */
public final class Paired {
    private Paired() {}

    /**
     * The mean of {@code a − b} over the samples both have, with its 95 % interval; the
     * difference is in the measure's units, not oriented (see {@link Measure#better}).
     * {@link Bootstrap.Interval#NONE} when no sample is shared.
     */
    public static Bootstrap.Interval difference(List<ResultRow> a, List<ResultRow> b, Measure measure) {
        double[] d = differences(a, b, measure);
        return d.length == 0 ? Bootstrap.Interval.NONE : Bootstrap.mean(d);
    }

    /**
     * The mean over tasks of each task's mean paired difference (the headline "mean" column),
     * the bootstrap resampling each task's samples within the task. Tasks without a shared sample
     * are left out; {@link Bootstrap.Interval#NONE} when none is left.
     */
    public static Bootstrap.Interval meanDifference(List<List<ResultRow>> aByTask, List<List<ResultRow>> bByTask, Measure measure) {
        if (aByTask.size() != bByTask.size()) throw new IllegalArgumentException("one list of rows per task on each side");
        List<double[]> strata = new ArrayList<>();
        for (int t = 0; t < aByTask.size(); t++) {
            double[] d = differences(aByTask.get(t), bByTask.get(t), measure);
            if (d.length > 0) strata.add(d);
        }
        return strata.isEmpty() ? Bootstrap.Interval.NONE : Bootstrap.meanOfStrata(strata.toArray(double[][]::new));
    }

    /** Per shared sample id (in {@code a}'s order), a's value minus b's; a sample with several rows counts with their mean. */
    static double[] differences(List<ResultRow> a, List<ResultRow> b, Measure measure) {
        Map<String, double[]> byA = bySample(a, measure), byB = bySample(b, measure);
        double[] out = new double[byA.size()];
        int n = 0;
        for (Map.Entry<String, double[]> e : byA.entrySet()) {
            double[] other = byB.get(e.getKey());
            if (other != null) out[n++] = e.getValue()[0] / e.getValue()[1] - other[0] / other[1];
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Sample id → {sum, count} of the measure. */
    private static Map<String, double[]> bySample(List<ResultRow> rows, Measure measure) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (ResultRow r : rows) {
            double[] acc = out.computeIfAbsent(r.sampleId(), k -> new double[2]);
            acc[0] += measure.value().applyAsDouble(r);
            acc[1]++;
        }
        return out;
    }
}
