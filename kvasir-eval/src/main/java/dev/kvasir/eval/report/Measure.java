package dev.kvasir.eval.report;

import java.util.function.ToDoubleFunction;

/**
 * A quantity compared between methods, and which way is better. The statistics (intervals,
 * paired differences, claims) are written against a measure, so a task whose metric is better
 * when lower (a fidelity task's NLL or KL divergence) is compared the right way round.
 *
 * @param name      as in claims and column names
 * @param label     for tables and axes
 * @param value     a row's value, on the scale tables show
 * @param direction which way is better
 */
public record Measure(String name, String label, ToDoubleFunction<ResultRow> value, Direction direction) {

    public enum Direction {
        HIGHER_IS_BETTER(1), LOWER_IS_BETTER(-1);

        /** Multiplies a difference so that a positive result means "better". */
        public final int sign;

        Direction(int sign) {
            this.sign = sign;
        }
    }

    /** The task metric's score on LongBench's and RULER's 0–100 scale. */
    public static final Measure SCORE = new Measure("score", "Score", r -> 100 * r.score(), Direction.HIGHER_IS_BETTER);

    /** {@code a − b} oriented so that positive means {@code a} is better. */
    public double better(double a, double b) {
        return direction.sign * (a - b);
    }
}
