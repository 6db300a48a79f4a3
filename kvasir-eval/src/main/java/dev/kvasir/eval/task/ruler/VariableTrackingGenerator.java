package dev.kvasir.eval.task.ruler;

import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.text.TokenFitter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * RULER's variable tracking (scripts/data/synthetic/variable_tracking.py, noise haystack): chains
 * "VAR ABCDE = 12345", "VAR FGHIJ = VAR ABCDE ", ... hidden between filler lines; the answer is
 * every variable of the first chain. As in RULER, the prompt starts with one solved example
 * (3-letter variable names, about 500 tokens) before the task.
 */
final class VariableTrackingGenerator implements RulerGenerator {
    private static final String TEMPLATE_HEAD = "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n";
    private static final String QUESTION = "\nQuestion: Find all variables that are assigned the value %s in the text above.";
    private static final String ANSWER_PREFIX =
            " Answer: According to the chain(s) of variable assignment in the text above, %d variables are assigned the value %s, they are: ";
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final int ICL_TOKENS = 500;

    private final int numChains;
    private final int numHops;
    private final int varLength;
    private final Tokenizer tokenizer;

    /** @param tokenizer sizes the in-context example; null for no example (the example itself) */
    VariableTrackingGenerator(int numChains, int numHops, Tokenizer tokenizer) {
        this(numChains, numHops, 5, tokenizer);
    }

    private VariableTrackingGenerator(int numChains, int numHops, int varLength, Tokenizer tokenizer) {
        if (numChains < 1 || numHops < 1) throw new IllegalArgumentException("chains and hops must be >= 1");
        this.numChains = numChains;
        this.numHops = numHops;
        this.varLength = varLength;
        this.tokenizer = tokenizer;
    }

    @Override
    public int minUnits() {
        return numHops + 1;
    }

    @Override
    public RulerParts generate(Random rnd, int units) {
        String example = tokenizer == null ? "" : example(rnd);
        List<List<String>> vars = new ArrayList<>();
        List<List<String>> chains = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (int c = 0; c < numChains; c++) {
            List<String> v = new ArrayList<>();
            while (v.size() < numHops + 1) {
                String name = Draw.letters(rnd, UPPER, varLength);
                if (used.add(name)) v.add(name);
            }
            List<String> chain = new ArrayList<>();
            chain.add("VAR " + v.getFirst() + " = " + (10000 + rnd.nextInt(89999)));
            for (int j = 0; j < numHops; j++) chain.add("VAR " + v.get(j + 1) + " = VAR " + v.get(j) + " ");
            vars.add(v);
            chains.add(chain);
        }
        String value = chains.getFirst().getFirst().substring(chains.getFirst().getFirst().lastIndexOf('=') + 1).strip();

        List<String> sentences = new ArrayList<>(Collections.nCopies(units, RulerNiahGenerator.NOISE));
        for (List<String> chain : chains) {
            List<Integer> positions = new ArrayList<>(Draw.sample(rnd, sentences.size(), chain.size()));
            Collections.sort(positions);
            for (int j = 0; j < chain.size(); j++) sentences.add(positions.get(j) + j, chain.get(j));
        }
        String context = String.join("\n", sentences).replace(". \n", ".\n");
        return new RulerParts(
                example + TEMPLATE_HEAD + context,
                String.format(QUESTION, value),
                String.format(ANSWER_PREFIX, numHops + 1, value),
                vars.getFirst());
    }

    /** A solved example with 3-letter names, sized like RULER's (at most 500 tokens), then a newline. */
    private String example(Random rnd) {
        VariableTrackingGenerator small = new VariableTrackingGenerator(numChains, numHops, 3, null);
        long seed = rnd.nextLong();
        int units = TokenFitter.largestFitting(tokenizer, n -> small.generate(new Random(seed), n).prompt(), ICL_TOKENS, small.minUnits());
        RulerParts p = small.generate(new Random(seed), units);
        return p.prompt() + " " + String.join(" ", p.answers()) + "\n";
    }
}
