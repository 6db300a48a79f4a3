package dev.kvasir.server;

import java.util.ArrayList;
import java.util.List;

/** Reads samples out of a Prometheus text exposition. */
final class Metrics {
    private Metrics() {}

    /**
     * The sum of the samples named {@code name} whose labels include every {@code key=value} of
     * {@code labels} (given as "key", "value", ...); 0 when none match.
     */
    static double value(String exposition, String name, String... labels) {
        List<String> wanted = new ArrayList<>();
        for (int i = 0; i + 1 < labels.length; i += 2) wanted.add(labels[i] + "=\"" + labels[i + 1] + "\"");
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String metric = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
            if (!metric.equals(name)) continue;
            String labelText = brace >= 0 ? line.substring(brace, line.indexOf('}') + 1) : "";
            if (wanted.stream().allMatch(labelText::contains)) sum += Double.parseDouble(line.substring(space + 1));
        }
        return sum;
    }
}
