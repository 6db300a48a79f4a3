"""What the golden-file scripts (make_golden.py, make_golden_gemma3.py) share: how a golden file
writes its numbers and JSON, and how it names the model file it was made from. Both scripts write
the format GoldenTest reads; keeping these in one place keeps their files alike."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def f32(x) -> float:
    """A float32 value as the shortest decimal that reads back to the same float32."""
    return float(str(np.float32(x)))


def top_k_stable(row: np.ndarray, k: int):
    """Top-k by logit, ties broken by the lower token id (the same rule as argmax)."""
    idx = np.lexsort((np.arange(row.size), -row.astype(np.float64)))[:k]
    return idx.tolist(), row[idx]


def dump(obj, indent=0) -> str:
    """JSON with dicts indented and lists of scalars (or of lists of scalars) kept on one line each."""
    pad, pad1 = "  " * indent, "  " * (indent + 1)

    def scalar_list(v):
        return isinstance(v, list) and all(not isinstance(e, (dict, list)) for e in v)

    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{pad1}{json.dumps(k)}: {dump(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if scalar_list(obj):
            return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        if all(scalar_list(e) for e in obj):
            return "[\n" + ",\n".join(pad1 + json.dumps(e, separators=(",", ":")) for e in obj) + "\n" + pad + "]"
        return "[\n" + ",\n".join(pad1 + dump(e, indent + 1) for e in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)
