#!/usr/bin/env python3
"""Prefill attention statistics from an independent softmax: the float64 numpy forward of
tools/golden/np_llama.py (written from the Llama architecture, checked against transformers' logits by
the goldens) runs tinystories-656k (2 layers, 8 query heads over 4 KV heads) on the first 100 tokens
of the goldens' 'long' prompt, and from each layer's causal softmax attention A [H, T, T] records what
Kvasir's AttentionRecorder gathers inside its prefill attention:

    column_sums[l][h][j] = Σ_i A[h, i, j]          (H2O's accumulated attention; every query i)
    window_rows[l][h][r] = A[h, T − w + r, :]       (the last w = 8 queries; 0 past the query)

Writes kvasir-core/src/test/resources/parity/attention_stats.json (float32)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "golden"))
from parity_io import OUT, ROOT, SCRIPT, f32_b64, write  # noqa: E402

TOKENS, WINDOW = 100, 8


def shared_dir() -> Path:
    env = os.environ.get("KVASIR_SHARED")
    for p in ([Path(env)] if env else []) + [ROOT.parent / "shared", Path("/work/shared")]:
        if p.is_dir():
            return p
    raise SystemExit("the shared test material is missing (set KVASIR_SHARED)")


def write_fixture(out: Path = OUT) -> Path:
    from np_llama import np_llama_from_hf

    model = np_llama_from_hf(shared_dir() / "models" / "tinystories-656k")
    golden = json.loads((ROOT / "kvasir-core/src/test/resources/golden/tinystories-656k.json").read_text())
    ids = next(c for c in golden["cases"] if c["name"] == "long")["prompt_ids"][:TOKENS]
    cols, rows = {}, {}

    def record(layer, att):
        cols[layer] = att.sum(axis=1)                 # [H, T]: over the queries
        rows[layer] = att[:, TOKENS - WINDOW:, :]     # [H, w, T]
        assert np.allclose(att.sum(-1), 1.0) and np.all(np.triu(att[0], 1) == 0)

    model.logits(ids, on_attention=record)
    doc = {"format": "kvasir-parity-v1", "method": "attention-stats", "script": SCRIPT,
           "input": {"model": "tinystories-656k", "prompt": "first 100 tokens of the golden 'long' prompt",
                     "prompt_ids": ids, "layers": model.L, "query_heads": model.H, "kv_heads": model.KV,
                     "window": WINDOW},
           "column_sums": f32_b64([cols[l] for l in range(model.L)]),
           "window_rows": f32_b64([rows[l] for l in range(model.L)])}
    return write("attention_stats.json", doc, out)


if __name__ == "__main__":
    print(write_fixture())
