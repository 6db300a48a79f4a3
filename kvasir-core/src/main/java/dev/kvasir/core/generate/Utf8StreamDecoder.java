package dev.kvasir.core.generate;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns the bytes of generated tokens ({@code Tokenizer.tokenBytes}) into text as they stream.
 * A character can be split across tokens (byte-fallback and byte-level vocabularies spread an
 * emoji over up to four): an incomplete UTF-8 sequence at the end of a token is held until the
 * bytes that complete it arrive. Invalid bytes become U+FFFD exactly as
 * {@code new String(allBytes, UTF_8)} would replace them, so the concatenated output always equals
 * decoding everything at once. One decoder per generation; not thread-safe.
 */
public final class Utf8StreamDecoder {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Pending bytes in write mode: at most three (an incomplete sequence) between calls. */
    private ByteBuffer in = ByteBuffer.allocate(32);
    private CharBuffer out = CharBuffer.allocate(32);

    /** Adds a token's bytes; returns the text they complete (empty while a character is still incomplete). */
    public String decode(byte[] bytes) {
        if (in.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(in.capacity() * 2, in.position() + bytes.length));
            in.flip();
            bigger.put(in);
            in = bigger;
        }
        in.put(bytes);
        in.flip();
        String text = drain(false);
        in.compact();
        return text;
    }

    /** Ends the stream: pending bytes of an unfinished character become U+FFFD. The decoder can then be reused. */
    public String finish() {
        in.flip();
        String text = drain(true);
        in.clear();
        decoder.reset();
        return text;
    }

    /** Whether bytes of an incomplete character are waiting. */
    public boolean hasPending() {
        return in.position() > 0;
    }

    private String drain(boolean endOfInput) {
        // UTF-8 never yields more chars than bytes, replacements included: one pass always fits.
        if (out.capacity() < in.remaining()) out = CharBuffer.allocate(Math.max(out.capacity() * 2, in.remaining()));
        out.clear();
        CoderResult result = decoder.decode(in, out, endOfInput);
        if (endOfInput && result.isUnderflow()) result = decoder.flush(out);
        if (result.isOverflow()) throw new IllegalStateException("UTF-8 output buffer sized too small");
        out.flip();
        return out.toString();
    }
}
