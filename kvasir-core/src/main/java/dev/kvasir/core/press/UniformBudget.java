package dev.kvasir.core.press;

import java.util.Arrays;
import java.util.Map;

/** The same number of slots for every layer and KV head (SnapKV, H2O, StreamingLLM, ...). */
record UniformBudget() implements BudgetAllocator {

    @Override public Allocation allocate(Context c) {
        int[][] keep = new int[c.layers()][c.kvHeads()];
        for (int[] k : keep) Arrays.fill(k, c.base());
        return Allocation.of(keep);
    }
}
