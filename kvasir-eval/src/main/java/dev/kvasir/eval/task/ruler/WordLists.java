package dev.kvasir.eval.task.ruler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Common English words for RULER-style keys and word lists. RULER draws them from the
 * wonderwords package's noun/adjective/verb lists (several thousand words); this is a smaller
 * list written for Kvasir, extended with pronounceable pseudo-words when a task needs more
 * distinct words than it holds (RULER likewise falls back to a second word list).
 */
public final class WordLists {
    private WordLists() {}

    public static final List<String> NOUNS = List.of((
            "apple anchor arrow attic autumn badge bakery balloon banana barn basket battery beach beacon bean "
            + "bell bench bicycle blanket boat bottle bracelet branch bread bridge brush bucket butter button cabin "
            + "cactus camera candle canoe canyon carpet castle cathedral cellar chair chalk cherry chimney circle "
            + "cloud clover coffee comet compass cookie copper cottage crayon crown crystal cup curtain cushion "
            + "daisy desert diamond dolphin door dragon drum eagle engine envelope falcon feather fence ferry field "
            + "flag flute forest fountain fox garden garlic giraffe glacier glove goat guitar hammer harbor harp "
            + "helmet hill honey horizon island jacket jungle kettle key kitten ladder lake lantern lemon library "
            + "lighthouse lily lion marble meadow mirror mountain museum needle nest notebook ocean olive orchard "
            + "owl paddle palace panda parrot pebble pencil pepper piano pillow planet pocket pond potato puzzle "
            + "quilt rabbit radio rainbow ribbon river robot rocket saddle sailboat scarf shell shovel silver "
            + "skyline sled spoon squirrel stable statue stone sunflower tablet teapot tent thunder tiger tomato "
            + "tower tractor train trumpet tulip tunnel turtle umbrella valley vase violin volcano wagon walnut "
            + "waterfall whale whistle window wizard wolf zebra").split(" "));

    public static final List<String> ADJECTIVES = List.of((
            "able ancient angry bold brave breezy bright brisk calm careful cheerful clever cloudy cold colorful "
            + "cozy crisp curious damp daring dark eager early elegant empty fancy fast fierce fluffy foggy fragile "
            + "fresh friendly frosty gentle giant glossy golden graceful grand green happy hidden hollow honest "
            + "humble icy jolly kind large lazy light little lively lonely loud lucky mellow merry mighty misty "
            + "modern narrow neat noble odd orange patient plain polite proud purple quick quiet rapid rare rich "
            + "rough round royal rusty sandy shiny silent silky simple sleepy slow smooth snowy soft solid sour "
            + "spicy steady stormy strong sunny sweet swift tall tame tender thin tidy tiny vivid warm wild windy "
            + "wise witty young zesty").split(" "));

    public static final List<String> VERBS = List.of((
            "accept admire answer arrive bake balance borrow breathe build carry catch celebrate change climb "
            + "collect cook count cover dance decide deliver describe dig discover dream drift drive earn enjoy "
            + "explain explore fetch fill finish float fold follow gather giggle glide grow guard guess hike hum "
            + "hunt imagine invent jog juggle jump knit laugh learn lift listen mend melt mix notice obey offer "
            + "open paint plant play polish pour practice pull push question reach read relax remember repair "
            + "rescue rest ride roll row sail scribble search sew shine sing sketch skate slide smile sneeze "
            + "splash steer stir swim tickle travel trust twirl wander wash whisper wink wonder write yawn").split(" "));

    /** All words, sorted and without duplicates (RULER: {@code sorted(set(nouns + adjs + verbs))}). */
    public static List<String> allWords() {
        Set<String> s = new TreeSet<>();
        s.addAll(NOUNS);
        s.addAll(ADJECTIVES);
        s.addAll(VERBS);
        return List.copyOf(s);
    }

    /** {@code count} distinct words in random order: real words first, then pseudo-words if more are needed. */
    public static List<String> distinctWords(Random rnd, int count) {
        List<String> words = new ArrayList<>(allWords());
        if (count <= words.size()) {
            Collections.shuffle(words, rnd);
            return List.copyOf(words.subList(0, count));
        }
        Set<String> all = new LinkedHashSet<>(words);
        while (all.size() < count) all.add(pseudoWord(rnd));
        List<String> out = new ArrayList<>(all);
        Collections.shuffle(out, rnd);
        return out;
    }

    private static final String CONSONANTS = "bcdfghklmnprstvz";
    private static final String VOWELS = "aeiou";

    /** A pronounceable made-up word of 2–3 consonant-vowel syllables ("tamoli"). */
    public static String pseudoWord(Random rnd) {
        int syllables = 2 + rnd.nextInt(2);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < syllables; i++) {
            b.append(CONSONANTS.charAt(rnd.nextInt(CONSONANTS.length())));
            b.append(VOWELS.charAt(rnd.nextInt(VOWELS.length())));
        }
        return b.toString();
    }
}
