package dev.kvasir.eval.metrics;

import dev.kvasir.eval.text.PyText;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * RULER's metrics: case-insensitive substring matches of the references in the prediction.
 * {@code string_match_all} (niah, vt, cwe, fwe) is the fraction of references present;
 * {@code string_match_part} (qa) is 1 when any reference is present. RULER post-processes the
 * prediction first: strip, replace control characters U+0000..U+001F by newlines, strip again.
 * RULER reports these ×100 averaged over samples; here one sample scores in [0, 1].
 */
public final class StringMatch implements Metric {
    public static final String ALL = "string_match_all";
    public static final String PART = "string_match_part";

    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f]");

    private final boolean all;

    private StringMatch(boolean all) {
        this.all = all;
    }

    public static StringMatch all() {
        return new StringMatch(true);
    }

    public static StringMatch part() {
        return new StringMatch(false);
    }

    @Override
    public String name() {
        return all ? ALL : PART;
    }

    @Override
    public double score(String prediction, List<String> references, Map<String, Object> metadata) {
        if (references.isEmpty()) throw new IllegalArgumentException(name() + " needs at least one reference");
        String pred = PyText.lower(postprocess(prediction));
        long found = references.stream().filter(r -> pred.contains(PyText.lower(r))).count();
        if (all) return (double) found / references.size();
        return found > 0 ? 1.0 : 0.0;
    }

    /** RULER's {@code postprocess_pred}. */
    public static String postprocess(String prediction) {
        return PyText.strip(CONTROL.matcher(PyText.strip(prediction)).replaceAll("\n"));
    }
}
