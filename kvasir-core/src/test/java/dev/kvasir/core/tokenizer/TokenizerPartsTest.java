package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Unit checks of the pieces where Java differs from the Rust/Oniguruma reference code. */
class TokenizerPartsTest {

    @Test
    void regexesUseUnicodeWhitespaceAndCaseFolding() {
        assertThat(PreTokenizer.compile("\\s+").matcher("\u3000\u00a0\u2028\u0085").matches()).isTrue();
        assertThat(PreTokenizer.compile("\\s").matcher("\u001c").matches()).as("not White_Space").isFalse();
        assertThat(PreTokenizer.compile("(?i:'s)").matcher("'S").matches()).isTrue();
    }

    @Test
    void onigurumaScriptNamesAreTranslated() {
        assertThat(PreTokenizer.compile("\\p{Han}+").matcher("漢字").matches()).isTrue();
        assertThat(PreTokenizer.compile("\\p{^Han}+").matcher("abc").matches()).isTrue();
        assertThat(PreTokenizer.compile("[\\p{Hiragana}\\p{Katakana}]+").matcher("ひらカタ").matches()).isTrue();
        assertThat(PreTokenizer.compile("\\p{^L}").matcher("1").matches()).isTrue();
    }

    @Test
    void gpt2SplitKeepsEveryCharacter() {
        PreTokenizer gpt2 = PreTokenizer.split(PreTokenizer.compile(PreTokenizer.Patterns.GPT2), PreTokenizer.Behavior.ISOLATED, false);
        assertThat(gpt2.split(List.of("Hello  world's 123!\n\n"), true))
                .containsExactly("Hello", " ", " world", "'s", " 123", "!", "\n\n");
    }

    @Test
    void byteLevelMappingIsGpt2s() {
        assertThat(ByteLevel.encode(" \n\u00e9")).isEqualTo("ĠĊÃ©");
        assertThat(ByteLevel.decode("ĠĊÃ©")).isEqualTo(" \n\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(ByteLevel.decode("€")).as("outside the mapping").isNull();
    }

    @Test
    void whiteSpaceIsTheUnicodeProperty() {
        assertThat(Unicode.isWhiteSpace(0xA0)).isTrue();
        assertThat(Unicode.isWhiteSpace(0x3000)).isTrue();
        assertThat(Unicode.isWhiteSpace(0x85)).isTrue();
        assertThat(Unicode.isWhiteSpace(0x1C)).isFalse();
        assertThat(Unicode.isWhiteSpace(0x200B)).as("zero width space is not White_Space").isFalse();
    }

    @Test
    void addedTokensMatchLongestFirstAndHonourParseSpecial() {
        AddedTokenMatcher m = new AddedTokenMatcher(List.of(AddedToken.of("<a>", 1, true), AddedToken.of("<a><b>", 2, true),
                AddedToken.of("<u>", 3, false)));
        assertThat(m.split("x<a><b>y<a>", true)).extracting(AddedTokenMatcher.Segment::token).containsExactly(-1, 2, -1, 1);
        assertThat(m.split("x<a><u>", false)).extracting(AddedTokenMatcher.Segment::text).containsExactly("x<a>", "<u>");
    }
}
