#!/usr/bin/env python3
"""Fidelity of KV precisions x presses: one Markdown table from several `kvasir eval --task fidelity` runs.

Each argument is PRECISION=DIR, DIR holding the run's results-fidelity.jsonl (one run per --kv-precision).
Rows: precision, method, budget, context length, samples, and the means over samples of KL(F32 full || this)
in nats, top-1 agreement with the F32 full cache, NLL of the true token, and the KV bytes held (MB).

    python3 scripts/kv_precision_table.py q8=out/fid-q8 f16=out/fid-f16 ...
"""
import json
import sys
from collections import defaultdict


def main(args):
    if not args:
        sys.exit(__doc__)
    groups = defaultdict(list)
    order = []
    for arg in args:
        precision, _, directory = arg.partition("=")
        if not directory:
            sys.exit(f"expected PRECISION=DIR, got {arg!r}")
        with open(f"{directory}/results-fidelity.jsonl") as f:
            for line in f:
                r = json.loads(line)
                key = (precision, r["method"], r["budgetRequested"], r["contextLength"])
                if key not in groups:
                    order.append(key)
                groups[key].append(r)
    print("| precision | method | budget | context | samples | KL (nats) | top-1 | NLL | KV MB held |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in order:
        rows = groups[key]
        n = len(rows)
        mean = lambda k: sum(r[k] for r in rows) / n
        precision, method, budget, context = key
        print(f"| {precision} | {method} | {budget:g} | {context} | {n} | {mean('kl'):.2g} | {mean('top1_agreement'):.3f} "
              f"| {mean('nll'):.3f} | {mean('kvBytesKept') / 1e6:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
