package dev.kvasir.cli;

import dev.kvasir.core.generate.SamplingParams;
import picocli.CommandLine.Option;

/** Sampling flags shared by generate and chat. */
final class SamplingOptions {
    @Option(names = "--temperature", defaultValue = "0.8", description = "Sampling temperature; 0 = greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Keep the k most likely tokens; 0 = off (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus sampling mass; 1 = off (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Drop tokens below min-p × the top probability; 0 = off (default ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Repetition penalty; 1 = off (default ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "Tokens the repetition penalty looks back over; -1 = all (default ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = "--seed", description = "Random seed (same seed, same output; default: random).")
    Long seed;

    SamplingParams params() {
        long s = seed != null ? seed : System.nanoTime();
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }
}
