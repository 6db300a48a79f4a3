package dev.kvasir.core.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tokenizer both loaders build: added tokens are split off first, the remaining text is
 * normalized, normalized added tokens are split off, and each plain segment goes to the
 * model's {@link SegmentEncoder} (SentencePiece or pre-tokenizer + BPE).
 */
final class PipelineTokenizer implements Tokenizer {
    /** Ids and flags the loaders work out from metadata. */
    record Specials(int bos, int eos, int[] stops, boolean addBos, String chatTemplate) {}

    private final Vocabulary vocab;
    private final AddedTokenMatcher rawTokens;
    private final Normalizer normalizer;
    private final AddedTokenMatcher normalizedTokens;
    private final SegmentEncoder encoder;
    private final Specials specials;
    private final boolean stripLeadingSpace;
    private final Map<String, Integer> specialTokens;

    /**
     * @param added added tokens; those flagged {@code normalized} are matched after
     *        normalization, against their normalized text
     * @param stripLeadingSpace drop the first space of decoded text (undoes a dummy prefix)
     */
    PipelineTokenizer(Vocabulary vocab, List<AddedToken> added, Normalizer normalizer, SegmentEncoder encoder,
                      Specials specials, boolean stripLeadingSpace) {
        this.vocab = vocab;
        this.normalizer = normalizer;
        this.encoder = encoder;
        this.specials = specials;
        this.stripLeadingSpace = stripLeadingSpace;
        this.rawTokens = new AddedTokenMatcher(added.stream().filter(t -> !t.normalized()).toList());
        this.normalizedTokens = new AddedTokenMatcher(added.stream().filter(AddedToken::normalized)
                .map(t -> new AddedToken(normalizer.normalize(t.content()), t.id(), t.special(), t.lstrip(), t.rstrip(),
                        t.singleWord(), true))
                .toList());
        Map<String, Integer> byText = new LinkedHashMap<>();
        for (AddedToken t : added) byText.putIfAbsent(t.content(), t.id());
        this.specialTokens = java.util.Collections.unmodifiableMap(byText);
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        return encode(List.of(new Span(text, parseSpecial)), addBos);
    }

    @Override
    public int[] encode(List<Span> spans, boolean addBos) {
        int length = 0;
        for (Span s : spans) length += s.text().length();
        IntList out = new IntList(Math.max(16, length / 3));
        if (addBos && specials.bos() >= 0) out.add(specials.bos());
        boolean afterToken = false;
        int spanStart = 0; // where the span begins in the whole input: only text at 0 gets a start-of-input prefix
        for (Span span : spans) {
            for (AddedTokenMatcher.Segment raw : rawTokens.split(span.text(), span.parseSpecial())) {
                if (raw.isToken()) {
                    out.add(raw.token());
                    afterToken = true;
                    continue;
                }
                String normalized = normalizer.normalize(raw.text());
                for (AddedTokenMatcher.Segment seg : normalizedTokens.split(normalized, span.parseSpecial())) {
                    if (seg.isToken()) {
                        out.add(seg.token());
                        afterToken = true;
                    } else {
                        encoder.encode(seg.text(), spanStart == 0 && raw.start() == 0 && seg.start() == 0, afterToken, out);
                        afterToken = false;
                    }
                }
            }
            spanStart += span.text().length();
        }
        return out.toArray();
    }

    @Override
    public byte[] tokenBytes(int token) {
        checkId(token);
        return vocab.bytes(token).clone();
    }

    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokens.length * 4);
        for (int t : tokens) {
            checkId(t);
            if (!isSpecial(t)) out.writeBytes(vocab.bytes(t));
        }
        byte[] bytes = out.toByteArray();
        int from = stripLeadingSpace && bytes.length > 0 && bytes[0] == ' ' ? 1 : 0;
        return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
    }

    private void checkId(int token) {
        if (!vocab.contains(token)) {
            throw new IllegalArgumentException("token id " + token + " outside the vocabulary of " + vocab.size());
        }
    }

    @Override
    public int vocabularySize() {
        return vocab.size();
    }

    @Override
    public String tokenString(int token) {
        checkId(token);
        return vocab.token(token);
    }

    @Override
    public int bosToken() {
        return specials.bos();
    }

    @Override
    public int eosToken() {
        return specials.eos();
    }

    @Override
    public int[] stopTokens() {
        return specials.stops().clone();
    }

    @Override
    public boolean isSpecial(int token) {
        return vocab.contains(token) && vocab.type(token).isSpecial();
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specialTokens;
    }

    @Override
    public boolean addBosByDefault() {
        return specials.addBos() && specials.bos() >= 0;
    }

    @Override
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(specials.chatTemplate());
    }
}
