"""AdaKV and CaM fixtures (make_fixtures.py runs write_fixture() here with the other *_ref.py):
  kvasir-core/src/test/resources/reference/adakv.json   AdaKV's per-head budgets and kept positions
  kvasir-core/src/test/resources/reference/cam.json     CaM's kept positions and merged values
Run from the repository root:  python3 tools/reference/make_fixtures.py adakv_cam   (numpy only; deterministic)
"""
import argparse
import json
import os

import numpy as np

import adakv
import cam
import synthetic as st

ADAKV = dict(seed=20261202, layers=3, query_heads=6, kv_heads=2, tokens=320, window=32, kernel=7,
             capacity=96, alpha=0.2, squarings=[1, 2, 3, 1, 4, 6])
CAM = dict(cols_seed=11, values_seed=12, layers=2, query_heads=6, kv_heads=2, tokens=240, dim=6, capacity=72, seed=7)
CAM_CASES = [
    dict(name="start-recent", options={}, kind="start-recent", start=4, merge_budget=16, max_reference=False),
    dict(name="start-recent-max", options={"reference": "max", "merge-budget": "8", "start": "2"}, kind="start-recent",
         start=2, merge_budget=8, max_reference=True),
    dict(name="h2o", options={"eviction": "h2o"}, kind="h2o", recent_share=0.5, merge_budget=32),
]


def check(a):
    """First values and total of a generated array, so a generator mismatch fails with a clear message."""
    flat = a.reshape(-1)
    return {"first": [float(x) for x in flat[:4]], "sum": float(flat.astype(np.float64).sum())}


def adakv_fixture():
    p = ADAKV
    rows = st.window_rows(p["seed"], p["layers"], p["query_heads"], p["tokens"], p["window"], p["squarings"])
    out = []
    for l in range(p["layers"]):
        kept, budgets, counts = adakv.kept_positions(rows[l], p["window"], p["kernel"], p["kv_heads"], p["capacity"], p["alpha"])
        out.append({"topCounts": counts, "budgets": budgets, "kept": kept})
    return {"format": "kvasir-reference-v1", "method": "adakv", "generator": "tools/reference/make_fixtures.py",
            "params": p, "check": check(rows), "layers": out}


def cam_fixture():
    p = CAM
    cols = st.column_sums(p["cols_seed"], p["layers"], p["query_heads"], p["tokens"])
    vals = st.values(p["values_seed"], p["layers"], p["kv_heads"], p["tokens"], p["dim"])
    cases = []
    for c in CAM_CASES:
        heads = []
        for l in range(p["layers"]):
            acc = st.gqa_mean(cols[l], p["kv_heads"])
            for h in range(p["kv_heads"]):
                if c["kind"] == "start-recent":
                    kept, merged_values, merged = cam.start_recent(vals[l, h], acc[h], p["capacity"], c["start"], c["merge_budget"],
                                                                   p["seed"], l, h, c["max_reference"])
                else:
                    kept, merged_values, merged = cam.h2o_eviction(vals[l, h], acc[h], p["capacity"], c["recent_share"],
                                                                   c["merge_budget"], p["seed"], l, h)
                heads.append({"layer": l, "kvHead": h, "kept": kept, "merged": merged,
                              "values": [[float(np.float32(x)) for x in row] for row in merged_values]})
        cases.append({"name": c["name"], "options": c["options"], "heads": heads})
    return {"format": "kvasir-reference-v1", "method": "cam", "generator": "tools/reference/make_fixtures.py",
            "params": p, "check": {"columnSums": check(cols), "values": check(vals)}, "cases": cases}


DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kvasir-core", "src", "test", "resources", "reference")


def write_fixture(out=DEFAULT_OUT):
    """Writes adakv.json and cam.json into out; returns the folder."""
    os.makedirs(out, exist_ok=True)
    for name, fixture in (("adakv.json", adakv_fixture()), ("cam.json", cam_fixture())):
        path = os.path.join(out, name)
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: {os.path.getsize(path)} bytes")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    write_fixture(ap.parse_args().out)


if __name__ == "__main__":
    main()
