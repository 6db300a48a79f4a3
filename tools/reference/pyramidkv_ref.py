#!/usr/bin/env python3
"""PyramidKV reference (Cai et al., arXiv 2406.02069; logic of KVCache-Factory's PyramidKVCluster,
restated): SnapKV's selection with per-layer prefix budgets on an arithmetic progression from the
bottom layer (largest) to the top layer (smallest) whose mean is avg = C − w:

    b_min = avg // beta,  b_max = 2·avg − b_min
    if b_max >= T − w:  b_max = T − w,  b_min = 2·avg − b_max
    b_l = b_max − l·(b_max − b_min)/(L − 1)      (keep b_l + w)

with KVCache-Factory's special cases: T < C keeps everything, T < 2·avg is plain SnapKV. The step is
either KVCache-Factory's floored integer (step=integer: above the line, over budget) or the exact
line rounded by largest remainders (step=exact, Kvasir's default: Σ b_l = L·avg).

Writes kvasir-core/src/test/resources/parity/pyramidkv.json: per case the layer budgets and the kept
positions of every layer and KV head (6 layers, 4 query heads over 2 KV heads, 320 seeded tokens)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parity_io import OUT, SCRIPT, check_margin, seeded_window_rows, top_k, window_scores, write  # noqa: E402

INPUT = {"seed": 7, "layers": 6, "query_heads": 4, "kv_heads": 2, "tokens": 320, "window_rows": 8}
WINDOW, KERNEL, POOLING, BETA = 8, 7, "max", 20  # KVCache-Factory's LongBench setting (Kvasir's defaults)
BUDGETS = [32, 64, 128, 168, 200]  # tokens per head; 168 puts b_max at T − w, 200 (T < 2·avg) is plain SnapKV


def layer_budgets(layers: int, avg: int, tokens: int, window: int, beta: float, step: str) -> list[int]:
    n = tokens - window
    if layers == 1 or tokens < 2 * avg:
        return [avg] * layers
    b_min = math.floor(avg / beta)
    b_max = 2 * avg - b_min
    if b_max >= n:
        b_max = n
        b_min = 2 * avg - b_max
    if step == "integer":
        s = (b_max - b_min) // (layers - 1)
        return [b_max - l * s for l in range(layers)]
    ideal = [b_max - l * (b_max - b_min) / (layers - 1) for l in range(layers)]
    b = [math.floor(x + 1e-9) for x in ideal]
    rest = layers * avg - sum(b)
    # largest remainders first; equal remainders keep layer order (a stable sort)
    by_fraction = sorted(range(layers), key=lambda l: -(ideal[l] - b[l]))
    for l in by_fraction[:rest]:
        b[l] += 1
    return b


def write_fixture(out: Path = OUT) -> Path:
    p = INPUT
    rows = seeded_window_rows(p["seed"], p["layers"], p["query_heads"], p["kv_heads"], p["tokens"], p["window_rows"])
    rows = rows.astype(np.float32).astype(np.float64)
    t, n = p["tokens"], p["tokens"] - WINDOW
    cases = []
    for step in ("exact", "integer"):
        for c in BUDGETS:
            budgets = layer_budgets(p["layers"], c - WINDOW, t, WINDOW, BETA, step)
            kept = []
            for l in range(p["layers"]):
                scores = window_scores(rows[l], WINDOW, KERNEL, POOLING, p["kv_heads"], n)
                heads = []
                for h in range(p["kv_heads"]):
                    check_margin(scores[h], budgets[l], f"pyramidkv step={step} C={c} layer {l} head {h}")
                    heads.append(top_k(scores[h], budgets[l]) + list(range(n, t)))
                kept.append(heads)
            cases.append({"options": {"step": step}, "tokens_per_head": c, "layer_budgets": budgets,
                          "kept_slots": sum(len(x) for layer in kept for x in layer), "kept": kept})
    doc = {"format": "kvasir-parity-v1", "method": "pyramidkv", "script": SCRIPT,
           "settings": {"window": WINDOW, "kernel": KERNEL, "pooling": POOLING, "beta": BETA},
           "input": dict(p, generator="SeededAttention / parity_io.seeded_window_rows",
                         checksum=float(rows.sum()), checksum_weighted=float((rows * np.arange(t)).sum())),
           "tie_rule": "among equal scores the later slot ranks first", "cases": cases}
    return write("pyramidkv.json", doc, out)


if __name__ == "__main__":
    print(write_fixture())
