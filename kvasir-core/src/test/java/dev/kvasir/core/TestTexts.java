package dev.kvasir.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Generated English-like prose for tests about mechanics (haystacks, long prompts), in place of
 * the copyrighted essays of the shared material: seeded, so every run sees the same text, and
 * varied (sentences of 5 to 20 words from a few hundred words, commas, apostrophes, numbers,
 * questions, paragraphs), so it neither repeats verbatim nor tokenises into a handful of pieces.
 */
public final class TestTexts {
    private static final String[] WORDS = ("""
            the a an this that every some many few most other same whole small large old new early late long short
            quiet busy bright dark warm cold simple hard careful strange ordinary useful curious patient honest
            river town library market road garden window letter map engine bridge harbour valley forest kitchen
            teacher farmer painter sailor child neighbour stranger friend merchant clerk baker doctor builder
            idea plan question answer reason problem story habit promise mistake lesson season morning evening
            winter summer week year hour minute moment day night price number list book page chapter word line
            walks opens closes finds keeps builds writes reads carries follows changes grows waits listens learns
            remembers forgets explains notices believes wonders counts measures repairs paints sells buys visits
            slowly quickly rarely often nearly almost again together alone instead perhaps certainly usually
            and but because although while when before after until since so yet or
            in on at by with from into over under between through around near behind beyond across toward
            don't isn't wasn't couldn't it's they're we'll you've she'd""").trim().split("\\s+");

    private TestTexts() {}

    /** About {@code chars} characters of prose (cut at a word end), the same for the same seed. */
    public static String prose(int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder(chars + 200);
        int sentence = 0;
        while (b.length() < chars) {
            int n = 5 + r.nextInt(16);
            for (int i = 0; i < n; i++) {
                String w = WORDS[r.nextInt(WORDS.length)];
                if (i == 0) w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                else b.append(' ');
                b.append(w);
                if (r.nextInt(14) == 0) b.append(' ').append(1 + r.nextInt(r.nextBoolean() ? 100 : 100_000));
                if (i > 1 && i < n - 2 && r.nextInt(9) == 0) b.append(',');
            }
            b.append(r.nextInt(7) == 0 ? "?" : r.nextInt(12) == 0 ? "!" : ".");
            b.append(++sentence % (3 + r.nextInt(5)) == 0 ? "\n\n" : " ");
        }
        int end = b.lastIndexOf(" ", chars);
        return b.substring(0, end > 0 ? end : chars);
    }

    /** {@link #prose} in a temporary .txt file (deleted when the JVM exits), e.g. as a haystack. */
    public static Path proseFile(int chars, long seed) {
        try {
            Path p = Files.createTempFile("kvasir-prose-", ".txt");
            p.toFile().deleteOnExit();
            return Files.writeString(p, prose(chars, seed), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
