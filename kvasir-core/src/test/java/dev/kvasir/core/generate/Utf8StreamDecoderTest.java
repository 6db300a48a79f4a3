package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class Utf8StreamDecoderTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void anEmojiSplitAcrossFourTokensAppearsWithTheLastByte() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertThat(d.decode("I ".getBytes(StandardCharsets.UTF_8))).isEqualTo("I ");
        assertThat(d.decode(bytes(0xF0))).isEmpty();
        assertThat(d.hasPending()).isTrue();
        assertThat(d.decode(bytes(0x9F))).isEmpty();
        assertThat(d.decode(bytes(0x98))).isEmpty();
        assertThat(d.decode(bytes(0x80))).isEqualTo("😀");
        assertThat(d.hasPending()).isFalse();
        assertThat(d.finish()).isEmpty();
    }

    @Test
    void aTokenCanFinishOneCharacterAndStartTheNext() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        byte[] text = "é日本".getBytes(StandardCharsets.UTF_8); // C3 A9 | E6 97 A5 | E6 9C AC
        assertThat(d.decode(Arrays.copyOfRange(text, 0, 1))).isEmpty();
        assertThat(d.decode(Arrays.copyOfRange(text, 1, 4))).isEqualTo("é");
        assertThat(d.decode(Arrays.copyOfRange(text, 4, 7))).isEqualTo("日");
        assertThat(d.decode(Arrays.copyOfRange(text, 7, 8))).isEqualTo("本");
        assertThat(d.decode(new byte[0])).isEmpty();
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertThat(d.decode(bytes(0xFF))).isEqualTo("\uFFFD");
        assertThat(d.decode(bytes('a', 0xC3))).isEqualTo("a");
        assertThat(d.decode(bytes('('))).isEqualTo("\uFFFD(");          // the lead byte lost its continuation
        assertThat(d.decode(bytes(0x80, 'b'))).isEqualTo("\uFFFDb");    // a stray continuation byte
        assertThat(d.decode(bytes(0xE0, 0x80, 0x80))).isEqualTo("\uFFFD\uFFFD\uFFFD"); // an overlong encoding
        // An encoded surrogate is one U+FFFD, as in Java's own decoding (Python writes three).
        assertThat(d.decode(bytes(0xED, 0xA0, 0x80))).isEqualTo("\uFFFD");
        assertThat(d.decode(bytes(0xF0, 0x9F))).isEmpty();
        assertThat(d.finish()).isEqualTo("\uFFFD");                     // the stream ended mid-character
        assertThat(d.decode("ok".getBytes(StandardCharsets.UTF_8))).isEqualTo("ok"); // usable again after finish
    }

    @Provide
    Arbitrary<byte[]> utf8ish() {
        // Mostly valid UTF-8 of mixed widths, with random bytes spliced in.
        Arbitrary<byte[]> valid = Arbitraries.strings().withCharRange('\u0000', '\u07ff').withCharRange('\u3040', '\u30ff')
                .withChars("😀👍🇫🇷€").ofMaxLength(12).map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(4);
        return Combinators.combine(valid, noise, valid).as((a, b, c) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(a);
            out.writeBytes(b);
            out.writeBytes(c);
            return out.toByteArray();
        });
    }

    /** However the bytes are split into tokens, the streamed text is exactly what decoding them at once gives. */
    @Property(tries = 3000)
    void streamingEqualsDecodingAtOnce(@ForAll("utf8ish") byte[] data,
                                       @ForAll @Size(max = 10) List<@IntRange(min = 0, max = 64) Integer> cuts) {
        List<Integer> points = new ArrayList<>();
        for (int c : cuts) points.add(Math.min(c, data.length));
        points.sort(null);
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        StringBuilder text = new StringBuilder();
        int from = 0;
        for (int p : points) {
            text.append(d.decode(Arrays.copyOfRange(data, from, p)));
            from = p;
        }
        text.append(d.decode(Arrays.copyOfRange(data, from, data.length)));
        text.append(d.finish());
        assertThat(text.toString()).isEqualTo(new String(data, StandardCharsets.UTF_8));
    }
}
