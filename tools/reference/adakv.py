"""AdaKV (Feng et al., arXiv 2407.11550), the official allocation (FFY0/AdaKV AdaptiveSnapKVCluster with
--gqa_support; KVCache-Factory AdaKVCluster), written from the paper and the reference code's logic.

Per layer, with w the observation window, k the pooling kernel, C the per-head capacity (window included),
B = C − w the selectable budget per KV head, H KV heads and α the floor share:
  1. per query head: mean over the last w queries of the attention to the prefix [0, T − w)
  2. GQA: mean over the query heads of each KV head's group (before pooling, as the official code)
  3. max-pool along the tokens (stride 1, padding k//2, padding never wins)
  4. n_h = how many of the layer's top-(H·B) flattened (head, token) scores belong to head h
  5. budget_h = round_half_even(n_h·(1 − α) + floor(α·B))
  6. head h keeps its top budget_h prefix tokens plus the window.
Float32 where the reference keeps float32 tensors; ties: later token first within a head, lower head first
across heads (torch leaves both unspecified).
"""
import numpy as np

from synthetic import descending, gqa_mean


def window_scores(rows, window, kernel, kv_heads):
    """rows[q][r][j] (float32) → pooled scores [kv_head][T − w]."""
    query_heads, _, tokens = rows.shape
    hi = tokens - window
    per_query = []
    for q in range(query_heads):
        v = np.zeros(hi, dtype=np.float32)
        for r in range(rows.shape[1] - window, rows.shape[1]):
            v = (v + rows[q, r, :hi]).astype(np.float32)
        v = (v * (np.float32(1) / np.float32(window))).astype(np.float32)
        per_query.append(v)
    grouped = gqa_mean(np.array(per_query), kv_heads)
    return np.array([max_pool(g, kernel) for g in grouped], dtype=np.float32)


def max_pool(v, kernel):
    r = kernel // 2
    n = len(v)
    return np.array([v[max(0, j - r):min(n, j + r + 1)].max() for j in range(n)], dtype=np.float32)


def head_budgets(scores, base, alpha):
    """scores[h][n] → budget per head (official rule)."""
    heads = len(scores)
    flat = [(-float(scores[h][j]), h, j) for h in range(heads) for j in range(len(scores[h]))]
    flat.sort(key=lambda e: (e[0], e[1]))  # best first; ties: lower head (order inside a head is irrelevant for counts)
    counts = [0] * heads
    for _, h, _ in flat[:heads * base]:
        counts[h] += 1
    floor = int(np.floor(alpha * base))
    keep_share = np.float32(1 - alpha)
    return [min(len(scores[h]), int(np.rint(np.float32(counts[h]) * keep_share + np.float32(floor)))) for h in range(heads)], counts


def kept_positions(rows, window, kernel, kv_heads, capacity, alpha):
    """Kept token positions (ascending) per KV head of one layer, and the budgets."""
    tokens = rows.shape[2]
    scores = window_scores(rows, window, kernel, kv_heads)
    base = capacity - window
    budgets, counts = head_budgets(scores, base, alpha)
    kept = []
    for h in range(kv_heads):
        order = descending(scores[h])
        chosen = set(order[:budgets[h]]) | set(range(tokens - window, tokens))
        kept.append(sorted(chosen))
    return kept, budgets, counts
