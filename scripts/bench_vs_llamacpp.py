#!/usr/bin/env python3
"""Merges llama-bench (-o json) and `kvasir bench --json` results into a side-by-side table.

Used by scripts/bench-vs-llamacpp.sh; can be run by hand on two saved files:

    python3 scripts/bench_vs_llamacpp.py --llamacpp llamacpp.json --kvasir kvasir.json

Prints a Markdown table (test, depth, llama.cpp t/s +- sd, Kvasir t/s +- sd, Kvasir/llama.cpp) to
stdout, and optionally writes it (--md-out) and a JSON with both engines' rows (--json-out).
Standard library only.
"""
import argparse
import datetime
import json
import os
import platform
import sys


def load_json_lenient(path):
    """Loads a JSON document from a file that may carry log lines before or after it."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    dec = json.JSONDecoder()
    best = None
    for i, ch in enumerate(text):
        if ch not in "[{":
            continue
        try:
            obj, end = dec.raw_decode(text, i)
        except json.JSONDecodeError:
            continue
        # prefer the largest document (the results), not some small object in a log line
        if best is None or end - i > best[1]:
            best = (obj, end - i)
    if best is None:
        raise ValueError(f"{path}: no JSON document found")
    return best[0]


def head(path, n=300):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(n)
    except OSError:
        return ""


def vector_width():
    """The widest SIMD registers this CPU has, from /proc/cpuinfo (Linux), e.g. '256-bit (AVX2)'.
    The JVM's width can be forced narrower (KVASIR_JAVA_OPTS=-XX:UseAVX=2 or -XX:MaxVectorSize=16);
    that is noted too."""
    flags = set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    if "avx512f" in flags:
        width = "512-bit (AVX-512)"
    elif "avx2" in flags:
        width = "256-bit (AVX2)"
    elif "asimd" in flags or "sse2" in flags:
        width = "128-bit (" + ("NEON" if "asimd" in flags else "SSE") + ")"
    else:
        width = "unknown width (" + platform.machine() + ")"
    forced = " ".join(o for o in os.environ.get("KVASIR_JAVA_OPTS", "").split() if "UseAVX" in o or "MaxVectorSize" in o)
    return width + (f"; Kvasir JVM forced with {forced}" if forced else "")


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def test_name(n_prompt, n_gen):
    if n_gen == 0:
        return f"pp{n_prompt}"
    if n_prompt == 0:
        return f"tg{n_gen}"
    return f"pp{n_prompt}+tg{n_gen}"


def sample_stats(samples):
    """Median/min/max of per-repetition t/s: on a shared machine the max is the least disturbed run."""
    if not samples:
        return {}
    xs = sorted(float(x) for x in samples)
    n = len(xs)
    median = xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
    return {"median": median, "min": xs[0], "max": xs[-1]}


def parse_llamacpp(path):
    data = load_json_lenient(path)
    if isinstance(data, dict):  # tolerate a wrapper object
        data = data.get("results", data.get("tests", []))
    rows, meta = [], {}
    for r in data:
        n_prompt, n_gen = int(r.get("n_prompt", 0)), int(r.get("n_gen", 0))
        depth = int(r.get("n_depth", 0))
        rows.append({
            "test": test_name(n_prompt, n_gen),
            "depth": depth,
            "n_prompt": n_prompt,
            "n_gen": n_gen,
            "tokens_per_second": float(r["avg_ts"]),
            "stddev": float(r.get("stddev_ts", 0.0)),
            "samples_ts": r.get("samples_ts"),
            **sample_stats(r.get("samples_ts")),
            "n_threads": r.get("n_threads"),
        })
        if not meta:
            meta = {k: r.get(k) for k in (
                "build_commit", "build_number", "cpu_info", "backends", "model_filename", "model_type",
                "model_size", "model_n_params", "n_batch", "n_ubatch", "n_threads", "type_k", "type_v",
                "flash_attn", "test_time") if k in r}
    return rows, meta


def parse_kvasir(path):
    data = load_json_lenient(path)
    if isinstance(data, list):
        data = {"results": data}
    rows = []
    for r in data.get("results", []):
        n_prompt, n_gen = int(r.get("n_prompt", 0)), int(r.get("n_gen", 0))
        rows.append({
            "test": r.get("test") or test_name(n_prompt, n_gen),
            "depth": int(r.get("depth", r.get("n_depth", 0))),
            "n_prompt": n_prompt,
            "n_gen": n_gen,
            "tokens_per_second": float(r["tokens_per_second"]),
            "stddev": float(r.get("stddev", 0.0)),
            **sample_stats(r.get("samples_ts") or r.get("samples")),
        })
    meta = {k: v for k, v in data.items() if k != "results"}
    return rows, meta


def fmt_ts(row):
    if row is None:
        return "n/a"
    return f"{row['tokens_per_second']:.2f} ± {row['stddev']:.2f}"


def best_of_runs(runs):
    """runs: [(path, rows)]. Per (test, depth), keeps the row with the highest mean t/s and notes the
    means of all runs, so a reader sees how much the machine disturbed the others."""
    best, all_means, all_samples = {}, {}, {}
    for path, rows in runs:
        for r in rows:
            key = (r["test"], r["depth"])
            all_means.setdefault(key, []).append(round(r["tokens_per_second"], 3))
            all_samples.setdefault(key, []).extend(r.get("samples_ts") or [])
            if key not in best or r["tokens_per_second"] > best[key]["tokens_per_second"]:
                best[key] = dict(r, source=path)
    out = []
    for key, r in best.items():
        if len(all_means[key]) > 1:
            r["means_of_all_runs"] = all_means[key]
            if all_samples[key]:  # max and median over every repetition of every run
                r.update(sample_stats(all_samples[key]))
                r["samples_all_runs"] = all_samples[key]
        out.append(r)
    return out


def test_order(name):
    # pp first, then tg, then combined tests; by size within a kind
    kind = 0 if name.startswith("pp") and "+" not in name else 1 if name.startswith("tg") else 2
    digits = "".join(c for c in name.split("+")[0] if c.isdigit())
    return (kind, int(digits) if digits else 0, name)


def merge(llama_rows, kv_rows):
    ll = {(r["test"], r["depth"]): r for r in llama_rows}
    kv = {(r["test"], r["depth"]): r for r in kv_rows}
    keys = sorted(set(ll) | set(kv), key=lambda k: (test_order(k[0]), k[1]))
    out = []
    for key in keys:
        a, b = ll.get(key), kv.get(key)
        ratio = None
        if a and b and a["tokens_per_second"] > 0:
            ratio = b["tokens_per_second"] / a["tokens_per_second"]
        out.append({"test": key[0], "depth": key[1], "llamacpp": a, "kvasir": b, "ratio_kvasir_over_llamacpp": ratio})
    return out


def markdown(rows, header_lines):
    lines = list(header_lines)
    lines.append("")
    lines.append("| test | depth | llama.cpp t/s (± sd) | Kvasir t/s (± sd) | Kvasir / llama.cpp |")
    lines.append("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        ratio = "n/a" if r["ratio_kvasir_over_llamacpp"] is None else f"{r['ratio_kvasir_over_llamacpp']:.2f}x"
        lines.append(f"| {r['test']} | {r['depth']} | {fmt_ts(r['llamacpp'])} | {fmt_ts(r['kvasir'])} | {ratio} |")
    if any((r["llamacpp"] or {}).get("max") or (r["kvasir"] or {}).get("max") for r in rows):
        # Per-repetition samples exist: on a shared machine the best repetition is the closest to idle speed.
        lines += ["", "Best single repetition (max t/s) and median over all repetitions of all runs, where samples exist:", "",
                  "| test | depth | llama.cpp max | llama.cpp median | Kvasir max | Kvasir median |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for r in rows:
            cells = []
            for eng in ("llamacpp", "kvasir"):
                e = r[eng] or {}
                cells += [f"{e['max']:.2f}" if e.get("max") else "n/a", f"{e['median']:.2f}" if e.get("median") else "n/a"]
            lines.append(f"| {r['test']} | {r['depth']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llamacpp", action="append", default=[],
                    help="llama-bench -o json output; repeat for several runs (best per test and depth is kept)")
    ap.add_argument("--kvasir", action="append", default=[],
                    help="kvasir bench --json output; repeat for several runs (best per test and depth is kept)")
    ap.add_argument("--best-of", type=int, default=None, help="only recorded in the output")
    ap.add_argument("--model", default="")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--depths", default="")
    ap.add_argument("--prefill", default="", help="long-prompt prefill sizes measured at depth 0 (only recorded)")
    ap.add_argument("--prefill-reps", type=int, default=None)
    ap.add_argument("--llama-cpp-python-version", default="")
    ap.add_argument("--llama-commit", default="")
    ap.add_argument("--machine", default="", help="file with load-average notes to embed")
    ap.add_argument("--json-out", default="")
    ap.add_argument("--md-out", default="")
    a = ap.parse_args(argv)

    llama_rows, llama_meta, kv_rows, kv_meta = [], {}, [], {}
    failed = []
    for name, paths, parse in (("llama.cpp", a.llamacpp, parse_llamacpp), ("Kvasir", a.kvasir, parse_kvasir)):
        runs, meta = [], {}
        for path in (p for p in paths if p):
            try:
                rows, m = parse(path)
                if not rows:
                    raise ValueError("no result rows")
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
                print(f"bench_vs_llamacpp: could not read {name} results from {path}: {e}; skipping it."
                      f" The file starts with: {head(path)!r}", file=sys.stderr)
                if name not in failed:
                    failed.append(name)
                continue
            runs.append((path, rows))
            meta = meta or m
        if not runs:
            continue
        rows = best_of_runs(runs)
        if name == "llama.cpp":
            llama_rows, llama_meta = rows, meta
        else:
            kv_rows, kv_meta = rows, meta
    if not llama_rows and not kv_rows:
        print("bench_vs_llamacpp: no results from either engine", file=sys.stderr)
        return 1

    commit = a.llama_commit if a.llama_commit and a.llama_commit != "unknown" else llama_meta.get("build_commit", "unknown")
    machine_notes = ""
    if a.machine and os.path.exists(a.machine):
        with open(a.machine, encoding="utf-8") as f:
            machine_notes = f.read().strip()
    cpu = llama_meta.get("cpu_info") or cpu_name()
    width = vector_width()

    merged = merge(llama_rows, kv_rows)
    threads = a.threads if a.threads is not None else llama_meta.get("n_threads") or kv_meta.get("threads")
    header = [
        f"## Kvasir vs llama.cpp — {os.path.basename(a.model or llama_meta.get('model_filename', '') or kv_meta.get('model', ''))}",
        "",
        f"- threads: {threads}; llama-bench reps: {a.reps if a.reps is not None else 'n/a'};"
        f" depths: {a.depths or 'n/a'}"
        + (f"; best of {a.best_of} runs per engine (highest mean per test and depth)"
           if a.best_of and a.best_of > 1 else "")
        + (f"; long-prompt prefill rows pp{', pp'.join(a.prefill.split(','))} at depth 0, {a.prefill_reps} reps"
           if a.prefill else ""),
    ]
    if llama_rows:
        header.append(
            f"- llama.cpp: ggml-org/llama.cpp@{commit}"
            + (f" (vendored in llama-cpp-python {a.llama_cpp_python_version})" if a.llama_cpp_python_version else "")
            + f", backends {llama_meta.get('backends', 'n/a')}, flash_attn {llama_meta.get('flash_attn', 'n/a')}")
    header.append(f"- CPU: {cpu}, {os.cpu_count()} logical CPUs; vector width: {width}")
    if machine_notes:
        header.append("- " + machine_notes.replace("\n", "; "))
    for name in failed:
        header.append(f"- WARNING: some {name} output could not be read (see stderr); missing values show n/a")
    md = markdown(merged, header)
    print(md, end="")

    if a.md_out:
        with open(a.md_out, "w", encoding="utf-8") as f:
            f.write(md)
    if a.json_out:
        doc = {
            "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "model": a.model or llama_meta.get("model_filename") or kv_meta.get("model"),
            "threads": threads,
            "reps": a.reps,
            "best_of": a.best_of,
            "depths": [int(d) for d in a.depths.split(",")] if a.depths else None,
            "prefill": [int(n) for n in a.prefill.split(",")] if a.prefill else None,
            "machine": {"cpu": cpu, "logical_cpus": os.cpu_count(), "vector_width": width, "notes": machine_notes},
            "llamacpp": {"llama_cpp_python_version": a.llama_cpp_python_version or None,
                         "commit": commit, "meta": llama_meta, "results": llama_rows},
            "kvasir": {"meta": kv_meta, "results": kv_rows},
            "comparison": [{"test": r["test"], "depth": r["depth"],
                            "llamacpp_tps": r["llamacpp"]["tokens_per_second"] if r["llamacpp"] else None,
                            "llamacpp_stddev": r["llamacpp"]["stddev"] if r["llamacpp"] else None,
                            "kvasir_tps": r["kvasir"]["tokens_per_second"] if r["kvasir"] else None,
                            "kvasir_stddev": r["kvasir"]["stddev"] if r["kvasir"] else None,
                            "ratio_kvasir_over_llamacpp": r["ratio_kvasir_over_llamacpp"],
                            "llamacpp_median_tps": (r["llamacpp"] or {}).get("median"),
                            "llamacpp_max_tps": (r["llamacpp"] or {}).get("max"),
                            "kvasir_median_tps": (r["kvasir"] or {}).get("median"),
                            "kvasir_max_tps": (r["kvasir"] or {}).get("max")} for r in merged],
        }
        with open(a.json_out, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
