package dev.kvasir.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.Normalizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Group;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import dev.kvasir.core.MissingTestMaterial;

/** decode(encode(x)) == x on random Unicode for the tokenizers that can spell every byte. */
class TokenizerRoundTripPropertiesTest {

    /** The full Llama 3 vocabulary, which only the shared material holds. */
    @Group
    @AddLifecycleHook(NeedsTheSharedVocabulary.class)
    class Llama3 {
        @Property(tries = 300)
        void llama3RoundTrips(@ForAll("text") String text) {
            Tokenizer t = TokenizerTestSupport.llama3();
            assertThat(t.decode(t.encode(text, false, false))).isEqualTo(text);
        }
    }

    /**
     * The full Qwen vocabulary: the shared Qwen3 tokenizer.json, which normalizes to NFC first so
     * that is what comes back, or where it is missing the Qwen2.5 GGUF, which spells every text as is.
     */
    @Property(tries = 300)
    void qwenVocabularyRoundTrips(@ForAll("text") String text) {
        TokenizerTestSupport.QwenVocabulary qwen = TokenizerTestSupport.qwenVocabulary();
        Tokenizer t = qwen.tokenizer();
        String expected = qwen.normalizesToNfc() ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
        assertThat(t.decode(t.encode(text, false, false))).as(qwen.source()).isEqualTo(expected);
    }

    /** jqwik reports a failed container hook as an error, so missing material skips the group through this hook. */
    static final class NeedsTheSharedVocabulary implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            try {
                TokenizerTestSupport.llama3();
                return SkipResult.doNotSkip();
            } catch (MissingTestMaterial e) {
                return SkipResult.skip(e.getMessage());
            }
        }
    }

    /**
     * SmolLM2's vocabulary lacks 21 of the 256 byte characters (a few C0 controls, bytes never
     * valid in UTF-8, and the lead bytes of planes 4..11); like Hugging Face we drop what cannot
     * be spelled, so only texts made of spellable bytes come back whole.
     */
    @Property(tries = 300)
    void smollm2RoundTrips(@ForAll("text") String text) {
        Tokenizer t = TokenizerTestSupport.smollm2();
        Assume.that(spellable(t, text));
        assertThat(t.decode(t.encode(text, false, false))).isEqualTo(text);
    }

    private static boolean[] smollm2Bytes;

    private static synchronized boolean spellable(Tokenizer t, String text) {
        if (smollm2Bytes == null) {
            smollm2Bytes = new boolean[256];
            for (int id = 0; id < t.vocabularySize(); id++) {
                byte[] b = t.tokenBytes(id);
                if (b.length == 1 && !t.isSpecial(id)) smollm2Bytes[b[0] & 0xFF] = true;
            }
        }
        boolean[] present = smollm2Bytes;
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) if (!present[b & 0xFF]) return false;
        return true;
    }

    /** SentencePiece with byte fallback: the dummy prefix space is dropped again, with or without BOS. */
    @Property(tries = 300)
    void stories260kRoundTrips(@ForAll("text") String text, @ForAll boolean addBos) {
        Tokenizer t = TokenizerTestSupport.stories260k();
        assertThat(t.decode(t.encode(text, addBos, false))).isEqualTo(text);
    }

    /** Mostly ASCII words and whitespace, with any valid code point mixed in (no lone surrogates). */
    @Provide
    Arbitrary<String> text() {
        Arbitrary<Integer> ascii = Arbitraries.integers().between(0x20, 0x7E);
        Arbitrary<Integer> whitespace = Arbitraries.of(0x20, 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x85, 0xA0, 0x2028, 0x3000);
        Arbitrary<Integer> bmp = Arbitraries.integers().between(0x80, 0xFFFF).filter(c -> !Character.isSurrogate((char) (int) c));
        Arbitrary<Integer> astral = Arbitraries.integers().between(0x10000, 0x10FFFF);
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, ascii), net.jqwik.api.Tuple.of(2, whitespace),
                net.jqwik.api.Tuple.of(2, bmp), net.jqwik.api.Tuple.of(1, astral));
        return codePoint.list().ofMaxSize(60).map(cps -> {
            StringBuilder sb = new StringBuilder();
            for (int cp : cps) sb.appendCodePoint(cp);
            return sb.toString();
        });
    }
}
