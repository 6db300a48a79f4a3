package dev.kvasir.eval.report;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * How closely a cache reproduces the full cache over a teacher-forced continuation of
 * {@code tokens} positions (the {@code fidelity} task). Lower is better for {@code nll},
 * {@code ppl} and {@code kl}; higher for {@code top1Agreement}.
 *
 * @param nll           mean negative log-likelihood of the true next token, nats
 * @param ppl           exp(nll)
 * @param kl            mean KL(full ‖ this cache) of the next-token distributions, nats
 * @param top1Agreement fraction of positions where this cache's most likely token is the full cache's
 * @param buckets       the same per run of positions, in order (how the gap grows along the continuation)
 */
public record FidelityScores(int tokens, double nll, double ppl, double kl, @JsonProperty("top1_agreement") double top1Agreement,
                             List<Bucket> buckets) {
    public FidelityScores {
        buckets = List.copyOf(buckets);
    }

    /** Means over positions {@code [from, to)} of the continuation. */
    public record Bucket(int from, int to, double nll, double kl, @JsonProperty("top1_agreement") double top1Agreement) {}
}
