/**
 * The {@code fidelity} task: how closely a compressed KV cache reproduces the full cache's
 * next-token distributions over a teacher-forced continuation (NLL, perplexity, KL divergence,
 * top-1 agreement), a dense signal that separates methods with a handful of samples.
 */
package dev.kvasir.eval.fidelity;
