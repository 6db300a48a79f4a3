"""CaM (Zhang et al., ICML 2024), cache merging, written from the paper and the official code's logic
(zyxxmu/cam StartRecentKVCache_cam / slicev), plus kvpress's CAMPress formulation (Kvasir's eviction=h2o).

Common rule: an evicted token e is merged with probability p_e = clamp(Ā_e / ref(Ā of its targets), 0, 1)
(0/0 → 0), its value divided equally over its targets; keys are never merged. Ā is the accumulated
attention (column sums of the prompt's attention), GQA group mean in float32. One Bernoulli draw per
evicted token in position order from Kvasir's (seed, layer, KV head) stream: merged iff draw < p.

start-recent (official real cache, default): keep the first `start` tokens and the last C − start; the
window slides over the prompt and the token leaving it, e, goes with its value *as it is then* (it may
have received merges) into the next L = min(m, r) tokens, r the recent window, each getting V_e / m.

h2o (kvpress CAMPress at prefill): keep the last round(share·C) tokens and the best C − that by Ā among the
rest (ties: later first); every evicted token's *original* value goes to the next min(m, kept after e)
kept slots, each getting V_e / that count; ref = mean of their Ā.
"""
import numpy as np

from kvasir_random import seeds_stream
from synthetic import descending


def _probability(a_e, ref):
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.float64(a_e) / np.float64(ref)
    if np.isnan(p):
        return 0.0
    return float(min(1.0, max(0.0, p)))


def start_recent(values, acc, capacity, start, merge_budget, seed, layer, kv_head, max_reference=False):
    """values[T][d] float32, acc[T] → (kept positions, merged values of the kept slots [kept][d], merged count)."""
    tokens = len(acc)
    recent = capacity - start
    evicted = list(range(start, tokens - recent))
    v = values.astype(np.float64)
    rnd = seeds_stream(seed, layer, kv_head)
    span = min(merge_budget, tokens - 1 - evicted[-1])
    merged = 0
    for e in evicted:
        targets = list(range(e + 1, min(e + span, tokens - 1) + 1))
        a_t = np.array([acc[t] for t in targets], dtype=np.float64)
        ref = a_t.max() if max_reference else a_t.sum() / len(targets)
        p = _probability(acc[e], ref)
        if rnd.next_double() < p:
            merged += 1
            for t in targets:
                v[t] += v[e] / merge_budget
    kept = list(range(start)) + list(range(tokens - recent, tokens))
    return kept, v[kept], merged


def h2o_eviction(values, acc, capacity, recent_share, merge_budget, seed, layer, kv_head):
    tokens = len(acc)
    recent = min(int(np.floor(recent_share * capacity + 0.5)), capacity)
    hi = tokens - recent
    order = descending(acc[:hi])
    kept = sorted(set(order[:capacity - recent]) | set(range(hi, tokens)))
    kept_set = set(kept)
    v = values.astype(np.float64)
    add = np.zeros_like(v)
    rnd = seeds_stream(seed, layer, kv_head)
    merged = 0
    for e in range(tokens):
        if e in kept_set:
            continue
        after = [t for t in kept if t > e]
        targets = after[:merge_budget]
        if not targets:
            continue
        ref = sum(float(acc[t]) for t in targets) / len(targets)
        p = _probability(acc[e], ref)
        if rnd.next_double() < p:
            merged += 1
            for t in targets:
                add[t] += v[e] / len(targets)
    return kept, (v + add)[kept], merged
