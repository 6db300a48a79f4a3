package dev.kvasir.cli;

import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.press.Presses;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** KV compression flags: the method, its options and the budget. */
final class PressOptions {
    @Option(names = "--press", description = "KV compression method: none (the default: the full cache), full, streaming-llm, h2o, "
            + "snapkv, pyramidkv, adakv, cam, tova, knorm, random, kvmerger, dynamickv, dynamickv-merge.")
    String press;

    /** {@code --press none}, as the {@code kv} report names the uncompressed cache, means no press. */
    private boolean none() {
        return press == null || press.trim().equalsIgnoreCase("none");
    }

    // a heading gives the group its own section of the help; without one, picocli lists a
    // mixin's group options twice among the command's options
    @ArgGroup(exclusive = true, heading = "KV budget (one of):%n")
    BudgetGroup budget;

    static final class BudgetGroup {
        @Option(names = "--budget", description = "Fraction of prompt tokens kept, averaged over layers and KV heads (0, 1].")
        Double fraction;

        @Option(names = "--budget-tokens", description = "Tokens kept per layer per KV head, window included (KVCache-Factory style).")
        Integer tokens;

        @Option(names = "--compression-ratio", description = "Fraction removed, 1 - budget (kvpress style).")
        Double ratio;
    }

    @Option(names = "--press-opt", description = "Method option key=value (repeatable), e.g. --press-opt window=32.")
    List<String> pressOpts;

    Press press() {
        if (none()) {
            if (budget != null || (pressOpts != null && !pressOpts.isEmpty())) {
                throw new IllegalArgumentException("--budget, --budget-tokens, --compression-ratio and --press-opt need a --press other than none");
            }
            return null;
        }
        return Presses.create(press, options());
    }

    Budget budget() {
        if (none()) return null;
        if (budget == null) {
            if (press.equals("full")) return Budget.fraction(1.0);
            throw new IllegalArgumentException("--press " + press + " needs a budget: --budget F, --budget-tokens N or --compression-ratio R");
        }
        if (budget.fraction != null) return Budget.fraction(budget.fraction);
        if (budget.tokens != null) return Budget.tokensPerHead(budget.tokens);
        return Budget.compressionRatio(budget.ratio);
    }

    Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        if (pressOpts != null) {
            for (String kv : pressOpts) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--press-opt takes key=value, got '" + kv + "'");
                m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return m;
    }
}
