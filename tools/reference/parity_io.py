"""Shared helpers of the parity references: fixture JSON (float32 arrays as base64), the portable
seeded generator of window attention rows (mirrored bit for bit by the Java tests' SeededAttention),
the SnapKV vote with pooling and GQA reduction, and the tie rule of top-k selections."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "kvasir-core" / "src" / "test" / "resources" / "parity"
SCRIPT = "tools/reference/make_fixtures.py"


def f32_b64(a) -> dict:
    """A float array as {shape, dtype, base64 of little-endian float32}: the exact values the Java side reads."""
    a = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
    return {"shape": list(a.shape), "dtype": "float32", "byteorder": "little",
            "data": base64.b64encode(a.tobytes()).decode("ascii")}


def dumps(v, indent: int = 0) -> str:
    """JSON with objects and nested arrays indented, arrays of scalars on one line (small diffs)."""
    pad = " " * (indent + 1)
    if isinstance(v, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(x, indent + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}" if items else "{}"
    if isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
        return "[\n" + ",\n".join(pad + dumps(x, indent + 1) for x in v) + "\n" + " " * indent + "]"
    return json.dumps(v, separators=(", ", ": "))


def write(name: str, doc: dict, out: Path = OUT) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_text(dumps(doc) + "\n")
    return path


# ------------------------------------------------------------------------------------------------
# portable seeded window rows

MASK = (1 << 64) - 1


class SplitMix64:
    """SplitMix64 (Steele, Lea, Flood 2014): the same 64-bit arithmetic in Java and Python."""

    def __init__(self, seed: int):
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self) -> float:
        return (self.next() >> 11) * (1.0 / (1 << 53))

    def gauss(self) -> float:
        """Irwin-Hall: twelve uniforms minus 6 (additions only, so bit-identical in both languages)."""
        s = 0.0
        for _ in range(12):
            s += self.uniform()
        return s - 6.0


def seeded_window_rows(seed: int, layers: int, query_heads: int, kv_heads: int, tokens: int, window: int,
                       dim: int = 16) -> np.ndarray:
    """Attention rows [layer][query head][r][T] of the last `window` queries of a prompt, from seeded
    post-RoPE-like keys and queries: per KV head, keys follow an AR(1) walk (neighbours similar) with
    T/16 'heavy' tokens pushed toward the head's query direction; each query head of the group asks
    along that direction with noise, sharper in deeper layers. Causal softmax in float64."""
    r = SplitMix64(seed)
    g = query_heads // kv_heads
    rows = np.zeros((layers, query_heads, window, tokens), dtype=np.float64)
    for l in range(layers):
        sharp = 1.0 + 0.5 * l
        for h in range(kv_heads):
            u = [r.gauss() for _ in range(dim)]
            k = [r.gauss() for _ in range(dim)]
            keys = []
            for _ in range(tokens):
                for i in range(dim):
                    k[i] = 0.8 * k[i] + 0.6 * r.gauss()
                keys.append(list(k))
            for _ in range(tokens // 16):
                j = int(r.uniform() * tokens)
                for i in range(dim):
                    keys[j][i] += 1.5 * u[i]
            scale = 1.0 / math.sqrt(dim)
            for a in range(g):
                q = h * g + a
                for rr in range(window):
                    qi = [sharp * (u[i] + 0.7 * r.gauss()) for i in range(dim)]
                    t = tokens - window + rr
                    logits = []
                    for j in range(t + 1):
                        s = 0.0
                        for i in range(dim):
                            s += qi[i] * keys[j][i]
                        logits.append(s * scale)
                    m = max(logits)
                    e = [math.exp(x - m) for x in logits]
                    tot = 0.0
                    for x in e:  # left to right, as Java does (sum() compensates since Python 3.12)
                        tot += x
                    rows[l, q, rr, :t + 1] = [x / tot for x in e]
    return rows


# ------------------------------------------------------------------------------------------------
# the SnapKV vote and the selection rule shared by SnapKV, PyramidKV, AdaKV and DynamicKV


def pool1d(v: np.ndarray, kernel: int, pooling: str) -> np.ndarray:
    """Stride 1, padding kernel//2, same length: avg counts the zero padding (PyTorch's default), max ignores it."""
    n, r = len(v), kernel // 2
    out = np.empty(n)
    for j in range(n):
        seg = v[max(0, j - r):min(n, j + r + 1)]
        out[j] = seg.sum() / kernel if pooling == "avg" else seg.max()
    return out


def window_scores(rows: np.ndarray, window: int, kernel: int, pooling: str, kv_heads: int, selectable: int,
                  gqa: str = "mean") -> np.ndarray:
    """[kv head][selectable] scores of one layer: mean of the last `window` rows per query head over the
    selectable slots, pooled, then reduced over each KV head's group (after pooling, as kvpress)."""
    qh = rows.shape[0]
    per_query = []
    for q in range(qh):
        v = rows[q, rows.shape[1] - window:, :selectable].astype(np.float64).mean(axis=0)
        per_query.append(pool1d(v, kernel, pooling))
    per_query = np.array(per_query)
    g = qh // kv_heads
    groups = per_query.reshape(kv_heads, g, selectable)
    return {"mean": groups.mean(axis=1), "max": groups.max(axis=1), "sum": groups.sum(axis=1)}[gqa]


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k best scores, ascending; among equal scores the later slot ranks first
    (Kvasir's documented tie rule: the reference code leaves it to torch.topk)."""
    order = sorted(range(len(scores)), key=lambda j: (-scores[j], -j))
    return sorted(order[:k])


def cut_margin(scores: np.ndarray, k: int) -> float:
    """Relative gap between the k-th and (k+1)-th best score (0 for an exact tie, inf when nothing is cut)."""
    if k <= 0 or k >= len(scores):
        return math.inf
    s = np.sort(scores)[::-1]
    return abs(s[k - 1] - s[k]) / max(abs(s[k - 1]), 1e-30)


def check_margin(scores: np.ndarray, k: int, what: str, minimum: float = 2e-6) -> float:
    """Fails when the cut falls between two different but nearly equal scores (a float32 engine could
    order them either way: its float32 sums are within ~3e-7 of these); exact ties (max-pool plateaus)
    are resolved by the tie rule on both sides."""
    m = cut_margin(scores, k)
    if 0 < m < minimum:
        raise SystemExit(f"{what}: scores at the top-{k} cut differ by only {m:.2e} (relative); choose another seed")
    return m
