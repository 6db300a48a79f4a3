package dev.kvasir.eval.text;

import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.eval.EvalSample;

import java.util.Arrays;

/**
 * LongBench's truncation of prompts longer than the model's window: keep the first
 * {@code max/2} and the last {@code max/2} tokens and drop the middle, on the grounds that the
 * instructions sit at the start and the question at the end (pred.py:
 * {@code half = int(max_length/2); decode(ids[:half]) + decode(ids[-half:])}).
 */
public final class MiddleTruncation {
    private MiddleTruncation() {}

    /** The kept token ids: unchanged when {@code ids.length <= maxTokens}. */
    public static int[] truncateIds(int[] ids, int maxTokens) {
        if (maxTokens <= 0) throw new IllegalArgumentException("maxTokens must be positive: " + maxTokens);
        if (ids.length <= maxTokens) return ids;
        int half = maxTokens / 2;
        int[] out = new int[2 * half];
        System.arraycopy(ids, 0, out, 0, half);
        System.arraycopy(ids, ids.length - half, out, half, half);
        return out;
    }

    /**
     * Exactly what LongBench does to a whole prompt: tokenise, and when too long decode the two
     * halves separately and concatenate the texts. Text within the limit is returned unchanged.
     */
    public static String truncate(Tokenizer tokenizer, String text, int maxTokens) {
        int[] ids = tokenizer.encode(text, false, false);
        if (ids.length <= maxTokens) return text;
        int half = maxTokens / 2;
        return tokenizer.decode(Arrays.copyOfRange(ids, 0, half))
                + tokenizer.decode(Arrays.copyOfRange(ids, ids.length - half, ids.length));
    }

    /**
     * Makes a sample's whole prompt fit {@code maxTokens} by cutting the middle of its context,
     * keeping the question and answer prefix intact. When the question and prefix are shorter
     * than {@code maxTokens/2} (always, in practice) this keeps the same tokens as truncating the
     * concatenated prompt as LongBench does: the first {@code max/2} tokens, and the last
     * {@code max/2} of which the question takes its share.
     */
    public static EvalSample fit(EvalSample sample, Tokenizer tokenizer, int maxTokens) {
        int tail = TokenFitter.count(tokenizer, sample.question() + sample.answerPrefix());
        int[] context = tokenizer.encode(sample.context(), false, false);
        if (context.length + tail <= maxTokens) return sample;
        int room = maxTokens - tail;
        if (room <= 0) {
            throw new IllegalArgumentException("question and answer prefix of " + sample.id() + " take " + tail
                    + " tokens, more than the limit " + maxTokens);
        }
        int head = Math.min(maxTokens / 2, room);
        int keepEnd = room - head;
        String cut = tokenizer.decode(Arrays.copyOfRange(context, 0, head))
                + tokenizer.decode(Arrays.copyOfRange(context, context.length - keepEnd, context.length));
        return new EvalSample(sample.id(), cut, sample.question(), sample.answerPrefix(), sample.answers(),
                sample.maxNewTokens(), sample.metric(), sample.metadata());
    }
}
