package dev.kvasir.core.tokenizer;

import java.util.List;

/** Pre-tokenizes a text segment into words and runs BPE on each word. */
final class BpeEncoder implements SegmentEncoder {
    private final PreTokenizer preTokenizer;
    private final BpeModel model;

    BpeEncoder(PreTokenizer preTokenizer, BpeModel model) {
        this.preTokenizer = preTokenizer;
        this.model = model;
    }

    @Override
    public void encode(String text, boolean atStart, boolean afterToken, IntList out) {
        if (text.isEmpty()) return;
        List<String> words = preTokenizer.split(List.of(text), atStart);
        for (String word : words) model.encode(word, out);
    }
}
