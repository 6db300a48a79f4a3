package dev.kvasir.core.press;

import java.util.Map;

/**
 * How the budget is divided between layers and KV heads: returns, per (layer, KV head), how many
 * <em>selectable</em> (unprotected) slots to keep; protected sinks and window are kept on top.
 * The average of (selectable kept + protected) over layers and heads must not exceed the
 * capacity C (see {@link Budget}).
 */
public interface BudgetAllocator {

    Allocation allocate(Context c);

    /** False for faithful variants that compress even prompts no longer than the budget. */
    default boolean leavesShortPromptsAlone() { return true; }

    /**
     * @param capacity C, slots per head on average (protected included)
     * @param lo       first selectable slot (after sinks)
     * @param hi       end of the selectable slots (start of the window)
     * @param scores   [layer][kvHead] scores of slots [lo, hi)
     */
    record Context(int layers, int kvHeads, int tokens, int capacity, int lo, int hi, HeadScores[][] scores) {
        public int selectable() { return hi - lo; }

        public int protectedCount() { return tokens - (hi - lo); }

        /** Average selectable slots per head the budget allows: C − protected, within [0, selectable]. */
        public int base() { return Math.max(0, Math.min(selectable(), capacity - protectedCount())); }
    }

    /**
     * @param keep       [layer][kvHead] selectable slots to keep
     * @param windowMass [layer][window slot] multiplicity of each window slot (DynamicKV's faithful Q2
     *                   duplicates, represented as mass), or null
     * @param details    figures for the report
     */
    record Allocation(int[][] keep, float[][] windowMass, Map<String, String> details) {
        static Allocation of(int[][] keep) { return new Allocation(keep, null, Map.of()); }
    }

    /** Every head keeps C − protected selectable slots. */
    static BudgetAllocator uniform() { return new UniformBudget(); }
}
