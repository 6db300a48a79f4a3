"""Replays Kvasir's CaM on one head of a real cache dumped by scripts/CamMergeStats.java and compares.

  python3 tools/reference/check_cam_dump.py DUMP.json [...]

Prints the largest difference between Kvasir's merged values and this implementation's, and where the
merged mass went: the kept slots whose values moved most, with how many evicted tokens they absorbed.
"""
import json
import sys

import numpy as np

import cam
from synthetic import gqa_mean


def check(path):
    d = json.load(open(path))
    cols = np.array(d["columnSums"], dtype=np.float32)
    acc = gqa_mean(cols, 1)[0]
    values = np.array(d["values"], dtype=np.float32)
    opts, cap = d["options"], d["capacity"]
    seed = int(opts.get("seed", 0))
    if opts.get("eviction") == "h2o":
        kept, merged, count = cam.h2o_eviction(values, acc, cap, float(opts.get("recent", 0.5)), int(opts.get("merge-budget", 32)),
                                               seed, d["layer"], d["kvHead"])
    else:
        kept, merged, count = cam.start_recent(values, acc, cap, int(opts.get("start", 4)), int(opts.get("merge-budget", 16)),
                                               seed, d["layer"], d["kvHead"], opts.get("reference") == "max")
    java = np.array(d["merged"], dtype=np.float64)
    assert kept == d["kept"], "kept positions differ"
    diff = np.abs(java - merged).max()
    base = np.linalg.norm(values, axis=1).mean()
    moved = np.linalg.norm(java - values[kept], axis=1) / base
    print(f"{d['name']} layer {d['layer']} head {d['kvHead']}: C = {cap} of {len(acc)}, {count} evicted tokens merged, "
          f"max |kvasir − numpy| = {diff:.2e}; mean ‖ΔV‖/mean‖V‖ = {moved.mean():.3f}")
    kept_arr = np.array(kept)
    for s in np.argsort(-moved)[:5]:
        prev = kept_arr[s - 1] if s > 0 else -1
        print(f"  slot {s} (position {kept[s]}, {kept[s] - prev - 1} evicted just before it): ‖ΔV‖/‖V‖ = {moved[s]:.1f}")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        check(p)
