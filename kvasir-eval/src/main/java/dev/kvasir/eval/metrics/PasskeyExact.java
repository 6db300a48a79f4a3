package dev.kvasir.eval.metrics;

import java.util.List;
import java.util.Map;

/**
 * {@code passkey-exact}: the pass key scored as LongLoRA's {@code passkey_retrivial.py} does. There
 * the model generates exactly as many tokens as the key has and the sample is correct when they
 * equal the key's tokens; here, on text, the generation (leading whitespace removed) must start with
 * the key's digits. A key repeated later, or after other words, does not count ({@code string_match_all},
 * the default, accepts it anywhere).
 */
public final class PasskeyExact implements Metric {
    public static final String NAME = "passkey-exact";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(String prediction, List<String> references, Map<String, Object> metadata) {
        if (references.isEmpty()) throw new IllegalArgumentException(NAME + " needs the pass key as the reference");
        return prediction.stripLeading().startsWith(references.getFirst().strip()) ? 1 : 0;
    }
}
