/**
 * KV-cache compression ("presses"), built from small parts so that a new method is a few lines.
 *
 * <h2>How the engine uses a press</h2>
 * <ol>
 *   <li>{@code Press p = Presses.create("snapkv", Map.of("window", "32"));}</li>
 *   <li>{@code StatsRequest r = p.statsRequest(layers, queryHeads, kvHeads, promptTokens);} and,
 *       inside its own prefill attention, gather per layer what {@code r} asks for
 *       ({@link dev.kvasir.core.press.AttentionStats}: column sums over all prompt queries and/or
 *       the attention rows of the last {@code r.window()} queries, per query head, over cache
 *       slots 0..T−1).</li>
 *   <li>After prefill (computed with the full cache):
 *       {@code CompressionReport rep = p.compressOrSkip(cache, layer -> stats[layer], Budget.fraction(0.35));}
 *       the cache is compacted in place (or left whole for a prompt shorter than
 *       {@link dev.kvasir.core.press.Press#minPromptTokens()}, which the report says) (memory released; slots stay in position order; merged
 *       slots may carry a mass, see {@link dev.kvasir.core.kv.HeadCache#mass(int)}).</li>
 *   <li>During generation, if {@code p.decode()} is present, call
 *       {@code afterDecodeStep(cache, layer -> rows)} after each step.</li>
 * </ol>
 *
 * <h2>Parts</h2>
 * {@link dev.kvasir.core.press.TokenScorer} (how tokens are scored) ·
 * {@link dev.kvasir.core.press.GqaAggregation} (query group → KV head) ·
 * {@link dev.kvasir.core.press.BudgetAllocator} (division between layers and heads) ·
 * {@link dev.kvasir.core.press.Protection} (sinks, recent window) ·
 * {@link dev.kvasir.core.press.OverflowPolicy} (drop or merge what does not fit) ·
 * {@link dev.kvasir.core.press.ScoredPress} (their composition). KVMerger, whose merging sets are
 * not a top-k selection, is its own press ({@link dev.kvasir.core.press.KvMerger}) reusing the
 * same kernel-merge and retention code. The method notes live in {@code shared/docs/methods.md}.
 */
package dev.kvasir.core.press;
