package dev.kvasir.core.tokenizer;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Collects the ids that end generation. */
final class StopTokens {
    /** End-of-turn markers of the common chat formats, recognised by text as llama.cpp does. */
    static final List<String> END_OF_GENERATION_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
            "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>");

    private StopTokens() {}

    /**
     * @param explicit ids named by metadata (EOS, EOT, EOM...); negative ones are ignored
     * @param vocab looked up for the known end-of-turn texts, which count only as added tokens
     */
    static int[] collect(Vocabulary vocab, int... explicit) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int id : explicit) if (vocab.contains(id)) ids.add(id);
        for (String text : END_OF_GENERATION_TEXTS) {
            int id = vocab.id(text);
            if (id >= 0 && vocab.type(id).isAddedToken()) ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
