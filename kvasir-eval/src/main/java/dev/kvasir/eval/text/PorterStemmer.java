package dev.kvasir.eval.text;

/**
 * The Porter stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980), steps 1a to 5b
 * as published, for lower-case ASCII words. Used by the ROUGE-1 scores of the needle test
 * (Google's {@code rouge_score} with {@code use_stemmer=True}, which stems words longer than 3
 * characters). Known deviation: NLTK's default mode, which {@code rouge_score} calls, adds a few
 * irregular forms ("dying" → "die", "skies" → "sky", ...) and two rule variants; those words
 * stem differently here.
 */
public final class PorterStemmer {
    private char[] b;
    private int k;  // end of the current word (inclusive)
    private int j;  // end of the stem for the suffix being tested

    public static String stem(String word) {
        if (word.length() <= 2) return word;
        PorterStemmer s = new PorterStemmer();
        s.b = word.toCharArray();
        s.k = word.length() - 1;
        s.step1ab();
        if (s.k > 0) {
            s.step1c();
            s.step2();
            s.step3();
            s.step4();
            s.step5();
        }
        return new String(s.b, 0, s.k + 1);
    }

    private boolean cons(int i) {
        return switch (b[i]) {
            case 'a', 'e', 'i', 'o', 'u' -> false;
            case 'y' -> i == 0 || !cons(i - 1);
            default -> true;
        };
    }

    /** m, the number of VC sequences in b[0..j]. */
    private int m() {
        int n = 0, i = 0;
        while (true) {
            if (i > j) return n;
            if (!cons(i)) break;
            i++;
        }
        i++;
        while (true) {
            while (true) {
                if (i > j) return n;
                if (cons(i)) break;
                i++;
            }
            i++;
            n++;
            while (true) {
                if (i > j) return n;
                if (!cons(i)) break;
                i++;
            }
            i++;
        }
    }

    private boolean vowelInStem() {
        for (int i = 0; i <= j; i++) if (!cons(i)) return true;
        return false;
    }

    private boolean doubleC(int i) {
        return i >= 1 && b[i] == b[i - 1] && cons(i);
    }

    /** cvc(i): consonant-vowel-consonant ending at i, the last not w, x or y. */
    private boolean cvc(int i) {
        if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) return false;
        char c = b[i];
        return c != 'w' && c != 'x' && c != 'y';
    }

    private boolean ends(String s) {
        int l = s.length(), o = k - l + 1;
        if (o < 0) return false;
        for (int i = 0; i < l; i++) if (b[o + i] != s.charAt(i)) return false;
        j = k - l;
        return true;
    }

    /** Replaces b[j+1..k] by s. */
    private void setTo(String s) {
        int l = s.length();
        if (j + 1 + l > b.length) b = java.util.Arrays.copyOf(b, j + 1 + l);
        for (int i = 0; i < l; i++) b[j + 1 + i] = s.charAt(i);
        k = j + l;
    }

    private void r(String s) {
        if (m() > 0) setTo(s);
    }

    private void step1ab() {
        if (b[k] == 's') {
            if (ends("sses")) k -= 2;
            else if (ends("ies")) setTo("i");
            else if (b[k - 1] != 's') k--;
        }
        if (ends("eed")) {
            if (m() > 0) k--;
        } else if ((ends("ed") || ends("ing")) && vowelInStem()) {
            k = j;
            if (ends("at")) setTo("ate");
            else if (ends("bl")) setTo("ble");
            else if (ends("iz")) setTo("ize");
            else if (doubleC(k)) {
                k--;
                char c = b[k];
                if (c == 'l' || c == 's' || c == 'z') k++;
            } else if (m() == 1 && cvc(k)) setTo("e");
        }
    }

    private void step1c() {
        if (ends("y") && vowelInStem()) b[k] = 'i';
    }

    private void step2() {
        if (k == 0) return;
        switch (b[k - 1]) {
            case 'a' -> { if (ends("ational")) r("ate"); else if (ends("tional")) r("tion"); }
            case 'c' -> { if (ends("enci")) r("ence"); else if (ends("anci")) r("ance"); }
            case 'e' -> { if (ends("izer")) r("ize"); }
            case 'l' -> {
                if (ends("abli")) r("able"); else if (ends("alli")) r("al"); else if (ends("entli")) r("ent");
                else if (ends("eli")) r("e"); else if (ends("ousli")) r("ous");
            }
            case 'o' -> { if (ends("ization")) r("ize"); else if (ends("ation")) r("ate"); else if (ends("ator")) r("ate"); }
            case 's' -> {
                if (ends("alism")) r("al"); else if (ends("iveness")) r("ive"); else if (ends("fulness")) r("ful");
                else if (ends("ousness")) r("ous");
            }
            case 't' -> { if (ends("aliti")) r("al"); else if (ends("iviti")) r("ive"); else if (ends("biliti")) r("ble"); }
            default -> { }
        }
    }

    private void step3() {
        switch (b[k]) {
            case 'e' -> { if (ends("icate")) r("ic"); else if (ends("ative")) r(""); else if (ends("alize")) r("al"); }
            case 'i' -> { if (ends("iciti")) r("ic"); }
            case 'l' -> { if (ends("ical")) r("ic"); else if (ends("ful")) r(""); }
            case 's' -> { if (ends("ness")) r(""); }
            default -> { }
        }
    }

    private void step4() {
        if (k == 0) return;
        boolean found = switch (b[k - 1]) {
            case 'a' -> ends("al");
            case 'c' -> ends("ance") || ends("ence");
            case 'e' -> ends("er");
            case 'i' -> ends("ic");
            case 'l' -> ends("able") || ends("ible");
            case 'n' -> ends("ant") || ends("ement") || ends("ment") || ends("ent");
            case 'o' -> (ends("ion") && j >= 0 && (b[j] == 's' || b[j] == 't')) || ends("ou");
            case 's' -> ends("ism");
            case 't' -> ends("ate") || ends("iti");
            case 'u' -> ends("ous");
            case 'v' -> ends("ive");
            case 'z' -> ends("ize");
            default -> false;
        };
        if (found && m() > 1) k = j;
    }

    private void step5() {
        j = k;
        if (b[k] == 'e') {
            int a = m();
            if (a > 1 || (a == 1 && !cvc(k - 1))) k--;
        }
        if (b[k] == 'l' && doubleC(k) && m() > 1) k--;
    }
}
