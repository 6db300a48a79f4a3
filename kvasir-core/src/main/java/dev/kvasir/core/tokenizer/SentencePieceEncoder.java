package dev.kvasir.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE as llama.cpp's llm_tokenizer_spm runs it: spaces become '▁' (with a dummy
 * prefix space at the start and after each added token when {@code addSpacePrefix}), then the
 * adjacent pair whose concatenation is the highest-scoring vocabulary entry is merged until
 * none is left (leftmost on ties). Characters that never formed a token fall back to
 * {@code <0xNN>} byte tokens. There is no pre-tokenization: the whole segment is one word.
 */
final class SentencePieceEncoder implements SegmentEncoder {
    private static final char SPACE_MARK = '\u2581';

    private final Vocabulary vocab;
    private final boolean addSpacePrefix;
    private final int unknown;

    SentencePieceEncoder(Vocabulary vocab, boolean addSpacePrefix, int unknown) {
        this.vocab = vocab;
        this.addSpacePrefix = addSpacePrefix;
        this.unknown = unknown;
    }

    private record Bigram(int left, int right, float score, int length) {}

    @Override
    public void encode(String segment, boolean atStart, boolean afterToken, IntList out) {
        String text = (addSpacePrefix && (atStart || afterToken) ? " " + segment : segment).replace(' ', SPACE_MARK);
        if (text.isEmpty()) return;
        // symbols are spans [start, start + len) of text, one per code point to begin with
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            start[i] = off;
            len[i] = Character.charCount(text.codePointAt(off));
            off += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // best score first; among equals the leftmost, as llama.cpp's llm_bigram_spm::comparator
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n), (a, b) -> {
            int c = Float.compare(b.score, a.score);
            return c != 0 ? c : Integer.compare(a.left, b.left);
        });
        for (int i = 1; i < n; i++) tryAdd(text, start, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            // skip pairs of which a side was merged away or grew since the pair was queued
            if (len[b.left] == 0 || len[b.right] == 0 || len[b.left] + len[b.right] != b.length) continue;
            len[b.left] += len[b.right];
            len[b.right] = 0;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) prev[next[b.right]] = b.left;
            if (prev[b.left] >= 0) tryAdd(text, start, len, prev[b.left], b.left, queue);
            if (next[b.left] >= 0) tryAdd(text, start, len, b.left, next[b.left], queue);
        }
        for (int i = 0; i >= 0; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int t = byteToken(b);
                    if (t >= 0) out.add(t);
                }
            }
        }
    }

    private void tryAdd(String text, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        int length = len[left] + len[right];
        int id = vocab.id(text.substring(start[left], start[left] + length));
        // only ordinary pieces are merge targets: control, byte and unknown pieces are never
        // spelled out by merging (SentencePiece's rule)
        if (id < 0 || !mergeable(vocab.type(id))) return;
        queue.add(new Bigram(left, right, vocab.score(id), length));
    }

    private static boolean mergeable(TokenType type) {
        return type == TokenType.NORMAL || type == TokenType.USER_DEFINED || type == TokenType.UNDEFINED;
    }

    private int byteToken(byte b) {
        int id = vocab.byteToken(b);
        if (id >= 0) return id;
        // vocabularies without <0xNN> pieces may hold the byte as a one-character token
        id = (b & 0xFF) < 0x80 ? vocab.id(String.valueOf((char) b)) : -1;
        return id >= 0 ? id : unknown;
    }
}
