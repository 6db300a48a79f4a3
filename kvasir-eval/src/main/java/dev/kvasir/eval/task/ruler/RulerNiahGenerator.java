package dev.kvasir.eval.task.ruler;

import dev.kvasir.eval.task.Haystack;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * RULER's niah task (scripts/data/synthetic/niah.py) in Java: needles "One of the special magic
 * {numbers} for {key} is: {value}." hidden in a haystack; the question asks for the values of
 * one or more keys. Prompt texts are RULER's template and answer prefix, including its trick for
 * the singular ("Some" → "A", "are all" → "is", "are" → "is", "numbers" → "number") when one value
 * is asked for. The random draws follow RULER's steps but not Python's random streams, so the
 * texts are RULER-like, not RULER's files.
 */
final class RulerNiahGenerator implements RulerGenerator {
    static final String NOISE = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
    private static final String NEEDLE = "One of the special magic %s for %s is: %s.";

    private static final String PREAMBLE = "Some special magic {type_needle_v} are hidden within the following text. "
            + "Make sure to memorize it. I will quiz you about the {type_needle_v} afterwards.\n";
    private static final String QUESTION = "\nWhat are all the special magic {type_needle_v} for {query} mentioned in the provided text?";
    private static final String ANSWER_PREFIX = " The special magic {type_needle_v} for {query} mentioned in the provided text are";

    private final RulerNiahSpec spec;
    private final String[] essayWords;

    /** @param essay the corpus for ESSAY haystacks, else unused (may be null) */
    RulerNiahGenerator(RulerNiahSpec spec, Haystack essay) {
        this.spec = spec;
        if (spec.haystack() == RulerNiahSpec.Haystack.ESSAY) {
            if (essay == null) throw new IllegalArgumentException("an essay haystack needs a text corpus (data path)");
            // RULER: re.sub(r'\s+', " ", essay).split(" ")
            this.essayWords = essay.corpus().strip().split("\\s+");
        } else {
            this.essayWords = null;
        }
    }

    @Override
    public int minUnits() {
        return spec.haystack() == RulerNiahSpec.Haystack.ESSAY ? 20 : spec.numKeys() * spec.numValues();
    }

    @Override
    public RulerParts generate(Random rnd, int units) {
        List<String> keys = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        List<String> needles = new ArrayList<>();
        for (int k = 0; k < spec.numKeys(); k++) {
            keys.add(random(rnd, spec.keyType()));
            List<String> vs = new ArrayList<>();
            for (int v = 0; v < spec.numValues(); v++) {
                vs.add(random(rnd, spec.valueType()));
                needles.add(String.format(NEEDLE, spec.valueType().plural, keys.getLast(), vs.getLast()));
            }
            values.add(vs);
        }
        Collections.shuffle(needles, rnd);

        String context = switch (spec.haystack()) {
            case ESSAY -> essayContext(rnd, units, needles);
            case NOISE -> lineContext(rnd, Collections.nCopies(units, NOISE), needles);
            case NEEDLE -> {
                List<String> distractors = new ArrayList<>();
                for (int i = 0; i < units; i++) {
                    distractors.add(String.format(NEEDLE, spec.valueType().plural, random(rnd, spec.keyType()),
                            random(rnd, spec.valueType())));
                }
                yield lineContext(rnd, distractors, needles);
            }
        };

        List<Integer> asked = Draw.sample(rnd, spec.numKeys(), spec.numQueries());
        List<String> queries = asked.stream().map(keys::get).toList();
        List<String> answers = asked.stream().flatMap(i -> values.get(i).stream()).toList();
        String query = queries.size() > 1
                ? String.join(", ", queries.subList(0, queries.size() - 1)) + ", and " + queries.getLast()
                : queries.getFirst();

        String type = spec.valueType().plural;
        String preamble = PREAMBLE;
        String question = QUESTION;
        String prefix = ANSWER_PREFIX;
        if (spec.numQueries() * spec.numValues() == 1) {
            preamble = singular(preamble);
            question = singular(question);
            prefix = singular(prefix);
            type = type.substring(0, type.length() - 1);
        }
        return new RulerParts(
                fill(preamble, type, query) + context,
                fill(question, type, query),
                fill(prefix, type, query),
                answers);
    }

    /** RULER's string replacements, in its order. */
    private static String singular(String template) {
        return template.replace("Some", "A").replace("are all", "is").replace("are", "is").replace("answers", "answer");
    }

    private static String fill(String template, String type, String query) {
        return template.replace("{type_needle_v}", type).replace("{query}", query);
    }

    private static String random(Random rnd, RulerNiahSpec.Kind kind) {
        return switch (kind) {
            case NUMBERS -> Draw.number(rnd, 7);
            case WORDS -> WordLists.ADJECTIVES.get(rnd.nextInt(WordLists.ADJECTIVES.size())) + "-"
                    + WordLists.NOUNS.get(rnd.nextInt(WordLists.NOUNS.size()));
            case UUIDS -> Draw.uuid(rnd);
        };
    }

    /** Noise/needle haystacks: lines, needles inserted at distinct random line indices, joined by newlines. */
    private static String lineContext(Random rnd, List<String> lines, List<String> needles) {
        List<String> sentences = new ArrayList<>(lines);
        List<Integer> indexes = new ArrayList<>(Draw.sample(rnd, sentences.size(), needles.size()));
        indexes.sort(Collections.reverseOrder());
        // RULER: zip(sorted(indexes, reverse=True), needles) — insert from the back so indices stay valid
        for (int i = 0; i < indexes.size(); i++) sentences.add(indexes.get(i), needles.get(i));
        return String.join("\n", sentences);
    }

    /** Essay haystack: the first `words` words, cut into sentences, needles at random depths between sentences. */
    private String essayContext(Random rnd, int words, List<String> needles) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            if (i > 0) text.append(' ');
            text.append(essayWords[i % essayWords.length]);
        }
        List<String> sentences = List.of(text.toString().strip().split("(?<=[.!?])\\s+"));
        List<Integer> depthIndexes = Draw.sample(rnd, Draw.DEPTHS.length, needles.size());
        List<Integer> positions = new ArrayList<>();
        positions.add(0);
        depthIndexes.stream().map(d -> (int) (sentences.size() * (Draw.DEPTHS[d] / 100.0))).sorted().forEach(positions::add);
        positions.add(sentences.size());
        List<String> pieces = new ArrayList<>();
        for (int i = 1; i < positions.size(); i++) {
            pieces.add(String.join(" ", sentences.subList(positions.get(i - 1), positions.get(i))));
            if (i - 1 < needles.size()) pieces.add(needles.get(i - 1));
        }
        return String.join(" ", pieces);
    }
}
