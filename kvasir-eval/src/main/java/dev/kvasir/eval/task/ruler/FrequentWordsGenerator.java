package dev.kvasir.eval.task.ruler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * RULER's frequent words extraction (scripts/data/synthetic/freq_words_extraction.py): random
 * 6-letter "coded" words whose counts follow a Zipf law, {@code count(k) = floor(n * k^-alpha /
 * zeta(alpha))} for the word of rank k; the most frequent is replaced by "..." (noise) and the
 * answer is ranks 2–4. Vocabulary size: (length - 50) / 50 as in RULER.
 */
final class FrequentWordsGenerator implements RulerGenerator {
    private static final String HEAD = "Read the following coded text and track the frequency of each coded word. "
            + "Find the three most frequently appeared coded words. ";
    private static final String QUESTION = "\nQuestion: Do not provide any explanation. Please ignore the dots '....'. "
            + "What are the three most frequently appeared words in the above coded text?";
    private static final String ANSWER_PREFIX = " Answer: According to the coded text above, the three most frequently appeared words are:";

    private final int vocabSize;
    private final double alpha;
    private final int wordLength;

    FrequentWordsGenerator(int vocabSize, double alpha, int wordLength) {
        if (vocabSize < 4) throw new IllegalArgumentException("the vocabulary needs at least 4 words: " + vocabSize);
        this.vocabSize = vocabSize;
        this.alpha = alpha;
        this.wordLength = wordLength;
    }

    static FrequentWordsGenerator forLength(int length, int maxNewTokens) {
        return new FrequentWordsGenerator(Math.max(4, (length - maxNewTokens) / 50), 2.0, 6);
    }

    @Override
    public int minUnits() {
        return 16;
    }

    @Override
    public RulerParts generate(Random rnd, int units) {
        TreeSet<String> distinct = new TreeSet<>();
        while (distinct.size() < vocabSize) distinct.add(Draw.letters(rnd, "abcdefghijklmnopqrstuvwxyz", wordLength));
        List<String> vocab = new ArrayList<>(distinct);
        Collections.shuffle(vocab, rnd);
        vocab.set(0, "...");

        double zeta = zeta(alpha);
        List<String> words = new ArrayList<>();
        for (int k = 1; k <= vocab.size(); k++) {
            int count = (int) (units * Math.pow(k, -alpha) / zeta);
            for (int c = 0; c < count; c++) words.add(vocab.get(k - 1));
        }
        Collections.shuffle(words, rnd);
        return new RulerParts(HEAD + String.join(" ", words), QUESTION, ANSWER_PREFIX, vocab.subList(1, 4));
    }

    /** Riemann zeta for s > 1: a partial sum plus the Euler–Maclaurin tail (error far below 1e-12). */
    static double zeta(double s) {
        if (s <= 1) throw new IllegalArgumentException("zeta needs s > 1: " + s);
        int n = 1000;
        double sum = 0;
        for (int k = 1; k < n; k++) sum += Math.pow(k, -s);
        return sum + Math.pow(n, 1 - s) / (s - 1) + 0.5 * Math.pow(n, -s) + s * Math.pow(n, -s - 1) / 12;
    }
}
