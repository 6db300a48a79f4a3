#!/usr/bin/env python3
"""DynamicKV reference (Zhou et al., arXiv 2412.14838; logic of the official DynamicKVClusterV11,
restated, not copied): layer budgets re-divided every m layers from a global top-k over the pooled
window scores of all layers processed so far.

    base = C − w,  n = T − w,  b_s = min(floor(r_max·base), n);  every layer starts with its best b_s
    after layer l with l % m == m − 1, over P = {0..l}:
        counts_p = |global top-(base·H·|P|) ∩ layer p| // |P|          (ties at the cut: lower layer)
        if |P| == L and Σ counts != H·n:  counts_{L−1} += base·H − Σ counts                 (need_add)
        raw_p = floor(b_s·counts_p/Σ counts);  b_p = floor(raw_p·base·L/Σ raw), shortfall → last layer
        each layer's list (best first, then the w window slots) is cut to its first b_p entries and
        the window appended again

Official quirks (Kvasir's options, shared/docs/methods.md §2.3) and Kvasir's fixes:
    q2  faithful: b_p <= n only; a cut longer than the prefix reaches into the window, which is then
        appended again (window slots counted twice).  fixed: b_p <= min(n, prefix length), and what a
        cap cuts off is divided again between the other layers in proportion to raw_p (water-filling).
    q3  faithful: no rebalance after the last layer when L % m != 0.  fixed: a final one after layer L − 1.
    q4  faithful: no minimum.  fixed: b_p >= ceil(r_min·base) (within the prefix), taken from the largest.
Scores are per KV head (GQA mean of the per-query-head pooled votes; the official code repeats K/V to
the query heads), so H counts KV heads. Divisions are exact integer arithmetic (the official code uses
floats, which can land one lower on exact quotients).

Input: the prefill attention of the default model (SmolLM2-135M-Instruct Q4_1: L = 30, 9 query heads
over 3 KV heads) on the 300-token 'long' prompt of the goldens, computed by the float64 numpy forward
(tools/golden/np_llama.py); window w = 8, avg-pool k = 7 (the official Llama-3 setting), r_max = 10,
m = 4. Writes kvasir-core/src/test/resources/parity/dynamickv.json: the scores (float32) and, per
variant and budget, each layer's kept prefix count, window multiplicities and the slots kept."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "golden"))
from parity_io import OUT, ROOT, SCRIPT, f32_b64, window_scores, write  # noqa: E402

WINDOW, KERNEL, POOLING, R_MAX, M, R_MIN = 8, 7, "avg", 10, 4, 0.1
BUDGETS = [16, 32, 64, 128]
VARIANTS = {
    "default": {"q2": "fixed", "q3": "fixed", "q4": "fixed"},
    "official": {"q2": "faithful", "q3": "faithful", "q4": "faithful"},
    "official-with-final-rebalance": {"q2": "faithful", "q3": "fixed", "q4": "faithful"},
}


def share(raw: list[int], open_: list[bool], total: int) -> list[int]:
    """total divided between the open layers in proportion to raw (floor; all raw 0: evenly), the
    shortfall to the last open layer; closed layers get 0."""
    idx = [p for p in range(len(raw)) if open_[p]]
    out = [0] * len(raw)
    if not idx:
        return out
    s = sum(raw[p] for p in idx)
    for p in idx:
        out[p] = raw[p] * total // s if s > 0 else total // len(idx)
    out[idx[-1]] += total - sum(out[p] for p in idx)
    return out


def dynamickv_budgets(scores: np.ndarray, capacity: int, q2: str, q3: str, q4: str) -> dict:
    """scores [L][H][n]; returns per layer the kept prefix count and the multiplicity of each window slot."""
    L, H, n = scores.shape
    w = WINDOW
    base = capacity - w
    bs = min(math.floor(R_MAX * base), n)
    lists: list[list] = []  # entries: ('r', rank) best first, then ('w', k)

    def prefix(lst):
        a = 0
        while a < len(lst) and lst[a][0] == "r":
            a += 1
        return a

    def rebalance(P: int):
        tk = base * H * P
        flat = [(-float(scores[p, h, j]), p) for p in range(P) for h in range(H) for j in range(n)]
        cnt = [0] * P
        if tk >= len(flat):
            cnt = [H * n] * P
        else:
            for _, p in sorted(flat)[:tk]:  # descending score, ties to the lower layer
                cnt[p] += 1
        counts = [c // P for c in cnt]
        if P == L and sum(counts) != H * n:
            counts[-1] += tk // L - sum(counts)
        tot = sum(counts)
        raw = [bs * c // tot if tot > 0 else bs // P for c in counts]
        need = base * L
        if q2 == "fixed":
            cap = [min(n, prefix(lists[p])) for p in range(P)]
            open_ = [True] * P
            while True:
                b = share(raw, open_, need - sum(cap[p] for p in range(P) if not open_[p]))
                over = [p for p in range(P) if open_[p] and b[p] > cap[p]]
                if not over:
                    b = [cap[p] if not open_[p] else b[p] for p in range(P)]
                    break
                for p in over:
                    open_[p] = False
        else:
            b = [min(x, n) for x in share(raw, [True] * P, need)]
        if q4 == "fixed":
            floor_ = math.ceil(R_MIN * base)
            lower = [min(floor_, prefix(lists[p])) for p in range(P)]
            deficit = 0
            for p in range(P):
                if b[p] < lower[p]:
                    deficit += lower[p] - b[p]
                    b[p] = lower[p]
            while deficit > 0:  # from the largest layer (the first of equals) down toward the next largest
                cands = [p for p in range(P) if b[p] > lower[p]]
                if not cands:
                    break
                big = max(cands, key=lambda p: (b[p], -p))
                second = max([b[p] for p in cands if p != big] + [lower[big]])
                take = min(deficit, max(1, b[big] - second))
                b[big] -= take
                deficit -= take
        for p in range(P):
            keep = min(b[p], len(lists[p]))
            lists[p] = lists[p][:keep] + [("w", k) for k in range(w)]

    for l in range(L):
        lists.append([("r", i) for i in range(bs)] + [("w", k) for k in range(w)])
        if l % M == M - 1 or (q3 == "fixed" and l == L - 1):
            rebalance(l + 1)
    prefix_kept = [prefix(lst) for lst in lists]
    window_mult = [[sum(1 for e in lst if e == ("w", k)) for k in range(w)] for lst in lists]
    slots = H * sum(len(lst) for lst in lists)  # what the official code holds, duplicates included
    return {"b_s": bs, "prefix_kept": prefix_kept, "window_multiplicity": window_mult,
            "slots_held": slots, "budget_slots": capacity * L * H}


def recorded_scores() -> tuple[np.ndarray, dict]:
    from np_llama import np_llama_from_gguf

    model_path = Path(os.environ.get("KVASIR_SMOLLM2", "~/.cache/kvasir/models/SmolLM2-135M-Instruct.Q4_1.gguf")).expanduser()
    golden = json.loads((ROOT / "kvasir-core/src/test/resources/golden/smollm2-135m-instruct-q4_1.json").read_text())
    ids = next(c for c in golden["cases"] if c["name"] == "long")["prompt_ids"]
    model = np_llama_from_gguf(model_path)
    t, n = len(ids), len(ids) - WINDOW
    per_layer = {}
    model.logits(ids, on_attention=lambda l, att: per_layer.__setitem__(
        l, window_scores(att[:, t - WINDOW:, :], WINDOW, KERNEL, POOLING, model.KV, n)))
    scores = np.array([per_layer[l] for l in range(model.L)], dtype=np.float32)
    return scores, {"model": model_path.name, "prompt": "golden 'long' prompt of smollm2-135m-instruct-q4_1.json",
                    "tokens": t, "layers": model.L, "query_heads": model.H, "kv_heads": model.KV}


def write_fixture(out: Path = OUT) -> Path:
    scores, source = recorded_scores()
    s64 = scores.astype(np.float64)  # both sides allocate from these exact float32 values
    cases = []
    for name, opts in VARIANTS.items():
        for c in BUDGETS:
            cases.append(dict({"variant": name, "options": opts, "tokens_per_head": c},
                              **dynamickv_budgets(s64, c, **opts)))
    doc = {"format": "kvasir-parity-v1", "method": "dynamickv", "script": SCRIPT,
           "settings": {"window": WINDOW, "kernel": KERNEL, "pooling": POOLING, "r_max": R_MAX, "m": M, "r_min": R_MIN},
           "input": dict(source, scores=f32_b64(scores)),
           "cases": cases}
    return write("dynamickv.json", doc, out)


if __name__ == "__main__":
    print(write_fixture())
