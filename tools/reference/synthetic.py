"""Seeded synthetic prefill statistics and caches, drawn in a fixed order from one SplittableRandom so
that the Java tests (PressReferenceFixturesTest) rebuild exactly the same arrays from the seed.
Only IEEE-exact double operations (+, *, /) are used before the final cast to float32.
"""
import numpy as np

from kvasir_random import SplittableRandom


def peaked(u, squarings):
    """u^(2^squarings) by repeated squaring: heads with more squarings concentrate their attention."""
    x = u
    for _ in range(squarings):
        x = x * x
    return x


def window_rows(seed, layers, query_heads, tokens, window, squarings):
    """rows[l][q][r][j]: attention of query T−w+r on key j (causal, each row sums to 1 in double).
    Key 0 gets a sink bonus of 4 before normalisation. Drawn l, q, r, j ascending, one draw per visible key."""
    rnd = SplittableRandom(seed)
    out = np.zeros((layers, query_heads, window, tokens), dtype=np.float32)
    for l in range(layers):
        for q in range(query_heads):
            for r in range(window):
                visible = tokens - window + r + 1
                raw = [peaked(rnd.next_double(), squarings[q]) for _ in range(visible)]
                raw[0] += 4.0
                total = 0.0
                for x in raw:
                    total += x
                out[l, q, r, :visible] = np.array([x / total for x in raw], dtype=np.float64).astype(np.float32)
    return out


def column_sums(seed, layers, query_heads, tokens):
    """cols[l][q][j] ≈ accumulated attention: u²·(T − j)/T·8, plus 50 on the first 4 (sinks). Drawn l, q, j."""
    rnd = SplittableRandom(seed)
    out = np.zeros((layers, query_heads, tokens), dtype=np.float32)
    for l in range(layers):
        for q in range(query_heads):
            for j in range(tokens):
                u = rnd.next_double()
                x = u * u * (tokens - j) / tokens * 8.0
                if j < 4:
                    x += 50.0
                out[l, q, j] = np.float32(x)
    return out


def values(seed, layers, kv_heads, tokens, dim):
    """v[l][h][j][x] = 2u − 1 + 0.5 (a shared mean direction, as real values have). Drawn l, h, j, x."""
    rnd = SplittableRandom(seed)
    out = np.zeros((layers, kv_heads, tokens, dim), dtype=np.float32)
    for l in range(layers):
        for h in range(kv_heads):
            for j in range(tokens):
                for x in range(dim):
                    out[l, h, j, x] = np.float32(2.0 * rnd.next_double() - 1.0 + 0.5)
    return out


def gqa_mean(per_query, kv_heads):
    """Group mean in float32, summed in query order then scaled by float32(1/G), as Kvasir's GqaAggregation."""
    g = per_query.shape[0] // kv_heads
    out = []
    for h in range(kv_heads):
        o = per_query[h * g].astype(np.float32).copy()
        for q in range(h * g + 1, (h + 1) * g):
            o = (o + per_query[q]).astype(np.float32)
        if g > 1:
            o = (o * (np.float32(1) / np.float32(g))).astype(np.float32)
        out.append(o)
    return np.array(out, dtype=np.float32)


def descending(scores):
    """Indices from the highest score to the lowest; among equal scores the later index first (Kvasir's tie rule)."""
    return sorted(range(len(scores)), key=lambda j: (-float(scores[j]), -j))
