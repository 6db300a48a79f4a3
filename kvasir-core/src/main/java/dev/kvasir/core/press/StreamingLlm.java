package dev.kvasir.core.press;

/**
 * StreamingLLM, "Efficient Streaming Language Models with Attention Sinks" (Xiao et al., ICLR 2024).
 * Keep the first n_sink tokens (attention sinks, n = 4) and the most recent C − n:
 * <pre>  keep = {0..n−1} ∪ {T − (C − n) .. T − 1}  </pre>
 * Prefill as kvpress {@code StreamingLLMPress} / KVCache-Factory (4 sinks + C − 4 recent); decode
 * as the paper (FIFO eviction of the oldest non-sink token; {@code decode-max-tokens},
 * {@code decode-interval}). Positions are not re-assigned (keys keep their RoPE rotation).
 */
final class StreamingLlm {
    private StreamingLlm() {}

    static Press create(Options o) {
        int sinks = o.integer("sinks", 4, 0, Integer.MAX_VALUE);
        int max = DecodeEviction.parseMaxTokens(o);
        int interval = DecodeEviction.parseInterval(o);
        return new ScoredPress("streaming-llm", o.done(), TokenScorer.recency(), Protection.of(sinks, 0), BudgetAllocator.uniform(),
                OverflowPolicy.DROP, GqaAggregation.MEAN, 0, new StreamingDecode(max, interval, sinks));
    }
}
