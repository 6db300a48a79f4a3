package dev.kvasir.eval.metrics;

import dev.kvasir.eval.EvalSample;

import java.util.List;
import java.util.Map;

/**
 * {@code niah-exact}: 1 when the response (the forced answer prefix and the generation, up to the
 * first newline, as {@link NiahRouge1}) contains the whole needle sentence, compared after
 * lower-casing, removing punctuation and collapsing whitespace; else 0. The strict counterpart of
 * KVCache-Factory's ROUGE score: a needle retrieved word for word.
 */
public final class NiahExact implements Metric {
    public static final String NAME = "niah-exact";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(String prediction, List<String> references, Map<String, Object> metadata) {
        Object needle = metadata.get(EvalSample.NEEDLE);
        if (needle == null) throw new IllegalArgumentException(NAME + " needs the sample's needle metadata");
        String response = NiahKeywords.normalize(NiahRouge1.response(prediction, metadata));
        return response.contains(NiahKeywords.normalize(needle.toString())) ? 1 : 0;
    }
}
