#!/usr/bin/env python3
"""SnapKV reference (Li et al., NeurIPS 2024; logic of FasterDecoding/SnapKV's SnapKVCluster and
KVCache-Factory's SnapKVCluster, restated): per query head the last w prompt queries vote
v_j = (1/w) Σ_i A[i, j] for j < T − w, the votes are pooled (kernel k, stride 1, padding k//2), reduced
over each KV head's GQA group (mean), and each KV head keeps its top-(C − w) prefix slots plus the w
window slots. Prompts with T <= C are left alone.

Writes kvasir-core/src/test/resources/parity/snapkv.json: the seeded inputs' parameters (the Java test
regenerates the same rows with SeededAttention), a checksum of them, and the kept positions of every
(variant, budget, layer, KV head)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parity_io import OUT, SCRIPT, check_margin, seeded_window_rows, top_k, window_scores, write  # noqa: E402

INPUT = {"seed": 20261202, "layers": 3, "query_heads": 4, "kv_heads": 2, "tokens": 320, "window_rows": 32}
VARIANTS = [
    {"options": {}, "window": 32, "kernel": 7, "pooling": "max"},  # the paper's LongBench setting (the default)
    {"options": {"window": "16", "kernel": "5", "pooling": "avg"}, "window": 16, "kernel": 5, "pooling": "avg"},
]
BUDGETS = [48, 96, 160]  # tokens per head, window included (max_capacity_prompt)


def snapkv_keep(rows: np.ndarray, kv_heads: int, capacity: int, window: int, kernel: int, pooling: str):
    """Kept positions per KV head of one layer (rows: [query head][w'][T], w' >= window)."""
    tokens = rows.shape[2]
    if tokens <= capacity:
        return [list(range(tokens))] * kv_heads, None
    n = tokens - window
    scores = window_scores(rows, window, kernel, pooling, kv_heads, n)
    keep = capacity - window
    kept = [top_k(scores[h], keep) + list(range(n, tokens)) for h in range(kv_heads)]
    return kept, scores


def input_rows() -> np.ndarray:
    p = INPUT
    rows = seeded_window_rows(p["seed"], p["layers"], p["query_heads"], p["kv_heads"], p["tokens"], p["window_rows"])
    return rows.astype(np.float32).astype(np.float64)  # the float32 values the engine's statistics hold


def write_fixture(out: Path = OUT) -> Path:
    rows = input_rows()
    cases = []
    for var in VARIANTS:
        for c in BUDGETS:
            layers = []
            for l in range(INPUT["layers"]):
                kept, scores = snapkv_keep(rows[l], INPUT["kv_heads"], c, var["window"], var["kernel"], var["pooling"])
                for h in range(INPUT["kv_heads"]):
                    check_margin(scores[h], c - var["window"], f"snapkv {var['options']} C={c} layer {l} head {h}")
                layers.append(kept)
            cases.append({"options": var["options"], "tokens_per_head": c, "kept": layers})
    doc = {"format": "kvasir-parity-v1", "method": "snapkv", "script": SCRIPT,
           "input": dict(INPUT, generator="SeededAttention / parity_io.seeded_window_rows",
                         checksum=float(rows.sum()), checksum_weighted=float((rows * np.arange(INPUT["tokens"])).sum())),
           "tie_rule": "among equal scores the later slot ranks first", "cases": cases}
    return write("snapkv.json", doc, out)


if __name__ == "__main__":
    print(write_fixture())
