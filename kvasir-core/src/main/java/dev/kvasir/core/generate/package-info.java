/**
 * Turning logits into text: {@link dev.kvasir.core.generate.SamplingParams} and the
 * {@link dev.kvasir.core.generate.Sampler} choose the next token,
 * {@link dev.kvasir.core.generate.Utf8StreamDecoder} turns token bytes into text as it streams,
 * {@link dev.kvasir.core.generate.StopStringMatcher} ends generation at a stop string without
 * ever emitting part of it.
 */
package dev.kvasir.core.generate;
