package dev.kvasir.eval.run;

import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.generate.SamplingParams;
import dev.kvasir.core.press.Press;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.io.IOException;

/**
 * Evaluates one prompt under many configurations at the cost of one prefill: the prompt is
 * prefilled once, gathering the union of the attention statistics every press asks for; each
 * configuration then compresses its own copy of the cache (the last one takes the original)
 * and decodes greedily, one after another or batched ({@link Decode}). Serially, each result
 * equals what {@link Generator#generate} gives for that configuration alone.
 */
public final class SharedPrefill {
    private SharedPrefill() {}

    /** A configuration with the press instance that runs it (null for the full cache). */
    public record Planned(Configuration configuration, Press press) {}

    /** What a configuration produced, and the bytes the prompt's uncompressed cache took. */
    public record Outcome(Planned planned, GenerationResult result, long fullCacheBytes) {}

    /** Receives each outcome as soon as it exists (e.g. to save it before the next configuration runs). */
    @FunctionalInterface
    public interface Sink {
        void accept(Outcome outcome) throws IOException;
    }

    /** How the configurations of one prompt decode after their shared prefill. */
    public enum Decode {
        /** One configuration after another, each exactly as {@link Generator#continueFrom} alone. */
        SERIAL,
        /**
         * Every configuration's decode steps batched ({@link Generator#continueAll}): the weights
         * are read once per step for all of them. Tokens equal the serial ones up to float
         * rounding, and do not depend on which configurations share the batch.
         */
        BATCHED
    }

    /**
     * @param onOutcome called for each configuration, in order, so callers can save rows as they
     *                  come (serially after each configuration; batched once all have decoded)
     */
    public static List<Outcome> run(Generator generator, PromptBuilder.Prompt prompt, int maxNewTokens, List<String> stopStrings,
                                    List<Planned> plans, Decode decode, Sink onOutcome) throws IOException {
        Press[] presses = plans.stream().map(Planned::press).toArray(Press[]::new);
        Generator.Prefilled prefilled = generator.prefillFor(prompt.prefill(), prompt.afterCompression().length + maxNewTokens, presses);
        long fullBytes = prefilled.cache().usedBytes();
        GenerationRequest request = new GenerationRequest(prompt.prefill(), prompt.afterCompression(), maxNewTokens,
                SamplingParams.greedy(), stopStrings, false);
        List<Outcome> out = new ArrayList<>(plans.size());
        if (decode == Decode.BATCHED) {
            List<GenerationResult> results = generator.continueAll(prefilled, Arrays.asList(presses),
                    plans.stream().map(p -> p.configuration().budget().toBudget()).toList(), request);
            for (int i = 0; i < plans.size(); i++) {
                Outcome o = new Outcome(plans.get(i), results.get(i), fullBytes);
                out.add(o);
                onOutcome.accept(o);
            }
            return out;
        }
        for (int i = 0; i < plans.size(); i++) {
            Planned p = plans.get(i);
            boolean copy = i < plans.size() - 1;
            GenerationResult r = generator.continueFrom(prefilled, copy, p.press(), p.configuration().budget().toBudget(), request, t -> {});
            Outcome o = new Outcome(p, r, fullBytes);
            out.add(o);
            onOutcome.accept(o);
        }
        return out;
    }
}
