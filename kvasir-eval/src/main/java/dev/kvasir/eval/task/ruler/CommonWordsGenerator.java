package dev.kvasir.eval.task.ruler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * RULER's common words extraction (scripts/data/synthetic/common_words_extraction.py): a
 * numbered list where {@code numCommon} words appear {@code commonRepeats} times and the others
 * {@code uncommonRepeats} times; the answer is the common words. One solved example comes
 * first. For lengths under 4096 RULER uses 6/1 repeats (example 3/1 over 20 words), otherwise
 * 30/3 (example 10/3 over 40 words).
 */
final class CommonWordsGenerator implements RulerGenerator {
    private static final String HEAD = "Below is a numbered list of words. In these words, some appear more often than others. "
            + "Memorize the ones that appear most often.\n";
    private static final String QUESTION = "\nQuestion: What are the %d most common words in the above list?";
    private static final String ANSWER_PREFIX = " Answer: The top %d words that appear most often in the list are:";

    private final int numCommon;
    private final int commonRepeats;
    private final int uncommonRepeats;
    private final int exampleWords;
    private final int exampleCommonRepeats;
    private final int exampleUncommonRepeats;

    /** RULER's settings for a target length (freq_cw 30, freq_ucw 3, num_cw 10). */
    static CommonWordsGenerator forLength(int length) {
        return length < 4096 ? new CommonWordsGenerator(10, 6, 1, 20, 3, 1) : new CommonWordsGenerator(10, 30, 3, 40, 10, 3);
    }

    CommonWordsGenerator(int numCommon, int commonRepeats, int uncommonRepeats,
                         int exampleWords, int exampleCommonRepeats, int exampleUncommonRepeats) {
        this.numCommon = numCommon;
        this.commonRepeats = commonRepeats;
        this.uncommonRepeats = uncommonRepeats;
        this.exampleWords = exampleWords;
        this.exampleCommonRepeats = exampleCommonRepeats;
        this.exampleUncommonRepeats = exampleUncommonRepeats;
    }

    @Override
    public int minUnits() {
        return numCommon + 1;
    }

    @Override
    public RulerParts generate(Random rnd, int units) {
        Example shot = example(rnd, exampleWords, exampleCommonRepeats, exampleUncommonRepeats);
        Example main = example(rnd, units, commonRepeats, uncommonRepeats);
        String question = String.format(QUESTION, numCommon);
        String prefix = String.format(ANSWER_PREFIX, numCommon);
        String solved = HEAD + shot.list + question + prefix + " " + numbered(shot.common);
        return new RulerParts(solved + "\n" + HEAD + main.list, question, prefix, main.common);
    }

    private record Example(String list, List<String> common) {}

    private Example example(Random rnd, int words, int commonRepeats, int uncommonRepeats) {
        List<String> all = WordLists.distinctWords(rnd, words);
        List<String> common = all.subList(0, numCommon);
        List<String> uncommon = all.subList(numCommon, all.size());
        List<String> list = new ArrayList<>();
        for (int i = 0; i < commonRepeats; i++) list.addAll(common);
        for (int i = 0; i < uncommonRepeats; i++) list.addAll(uncommon);
        Collections.shuffle(list, rnd);
        return new Example(numbered(list), List.copyOf(common));
    }

    /** "1. word 2. word ..." */
    private static String numbered(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words.size(); i++) {
            if (i > 0) b.append(' ');
            b.append(i + 1).append(". ").append(words.get(i));
        }
        return b.toString();
    }
}
