package dev.kvasir.core.tokenizer;

/** Encodes one stretch of plain text (the input between added tokens) to ids. */
interface SegmentEncoder {
    /**
     * @param atStart the text begins the input
     * @param afterToken the text directly follows an added token
     */
    void encode(String text, boolean atStart, boolean afterToken, IntList out);
}
