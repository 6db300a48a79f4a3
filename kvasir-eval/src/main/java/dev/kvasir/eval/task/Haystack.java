package dev.kvasir.eval.task;

import dev.kvasir.core.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Filler text for needle tests: a directory of {@code .txt} files concatenated in file-name order
 * (the usual Paul Graham essays), or any single text file. Read at run time, never bundled: the
 * essays are copyrighted. When a longer haystack is needed than the corpus holds, the corpus is
 * repeated.
 */
public final class Haystack {
    private final String corpus;

    private Haystack(String corpus) {
        if (corpus.isBlank()) throw new IllegalArgumentException("the haystack is empty");
        this.corpus = corpus;
    }

    public static Haystack of(String text) {
        return new Haystack(text);
    }

    /** Loads a directory of .txt files (sorted by name) or one file. */
    public static Haystack load(Path path) {
        try {
            if (Files.isDirectory(path)) {
                List<Path> files;
                try (Stream<Path> s = Files.list(path)) {
                    files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
                }
                if (files.isEmpty()) throw new IllegalArgumentException("no .txt files in haystack directory " + path);
                StringBuilder b = new StringBuilder();
                for (Path f : files) appendSeparated(b, Files.readString(f, StandardCharsets.UTF_8));
                return new Haystack(b.toString());
            }
            if (!Files.isRegularFile(path)) throw new IllegalArgumentException("haystack not found: " + path);
            return new Haystack(Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read haystack " + path, e);
        }
    }

    /** Joins texts so that the last word of one file does not run into the first of the next. */
    private static void appendSeparated(StringBuilder b, String text) {
        if (!b.isEmpty() && !Character.isWhitespace(b.charAt(b.length() - 1))) b.append('\n');
        b.append(text);
    }

    public String corpus() {
        return corpus;
    }

    /** The first {@code chars} characters of the corpus repeated endlessly. */
    public String prefixChars(int chars) {
        StringBuilder b = new StringBuilder(chars);
        while (b.length() < chars) appendSeparated(b, corpus);
        return b.substring(0, chars);
    }

    /**
     * The text of the corpus's first {@code n} tokens: the (repeated) corpus is tokenised and the
     * first n ids decoded, as the kvpress and gkamradt harnesses cut their haystacks.
     */
    public String firstTokens(Tokenizer tokenizer, int n) {
        if (n <= 0) return "";
        int chars = n * 4 + 64;
        while (true) {
            int[] ids = tokenizer.encode(prefixChars(chars), false, false);
            // one spare token: the last one may be cut in the middle of a word
            if (ids.length > n) return tokenizer.decode(Arrays.copyOf(ids, n));
            chars = chars * 2;
        }
    }
}
