package dev.kvasir.eval.run;

import java.util.ArrayList;
import java.util.List;

/** One (method, budget) pair: a column of the papers' tables, a row of results per sample. */
public record Configuration(MethodSpec method, BudgetSpec budget) {

    public String label() {
        return method.isFull() ? MethodSpec.FULL : method.label() + "@" + budget.label();
    }

    /**
     * Every method at every budget; the full cache once, without a budget. Budgets are fractions
     * and/or token counts; compressing methods need at least one.
     */
    public static List<Configuration> grid(List<MethodSpec> methods, List<BudgetSpec> budgets) {
        List<Configuration> out = new ArrayList<>();
        for (MethodSpec m : methods) {
            if (m.isFull()) {
                out.add(new Configuration(m, BudgetSpec.FULL));
                continue;
            }
            if (budgets.isEmpty()) throw new IllegalArgumentException(m.name() + " needs a budget: --budgets 0.5,0.35 or --budget-tokens 64,128");
            for (BudgetSpec b : budgets) out.add(new Configuration(m, b));
        }
        return out;
    }
}
