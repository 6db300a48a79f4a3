package dev.kvasir.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shared by the retrieval and count scores: the numbers in a prediction that equal the right one. */
final class NumberMatch {
    private NumberMatch() {}

    // Python 3's \d matches any Unicode decimal digit
    private static final Pattern DIGITS = Pattern.compile("\\d+", Pattern.UNICODE_CHARACTER_CLASS);

    static List<String> numbers(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = DIGITS.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    /** Fraction of the numbers in {@code prediction} that are written exactly as {@code expected}; 0 when there are none. */
    static double fractionEqual(String prediction, String expected) {
        List<String> numbers = numbers(prediction);
        if (numbers.isEmpty()) return 0.0;
        long right = numbers.stream().filter(expected::equals).count();
        return (double) right / numbers.size();
    }
}
