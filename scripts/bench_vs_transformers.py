#!/usr/bin/env python3
"""Kvasir side by side with transformers + kvpress (and llama.cpp's llama-bench where given) on one GGUF.

Run it through scripts/bench-vs-transformers.sh, which makes the venv (torch, transformers, kvpress,
gguf). transformers loads the GGUF itself (gguf_file=..., dequantized to float32), with
torch.set_num_threads(THREADS). Measured, interleaved in pairs (the engines' order alternates from
pair to pair, so drift in the machine's load hits both alike):

- prefill of an N-token prompt on an empty cache, for each N of --prefill: transformers runs one
  forward pass (logits of the last token only, as the others); Kvasir runs
  `kvasir bench -p N -n 0 -d 0 -r 1 --json`; llama.cpp runs `llama-bench -p N -n 0 -r 1 -o json`.
- the compression pipeline: prefill of a --pipeline-tokens prompt with SnapKV removing
  --compression-ratio of the prompt's KV (kvpress SnapKVPress; Kvasir `generate --press snapkv
  --compression-ratio R`), then --gen greedy tokens decoded on the compressed cache. Times are the
  engines' own (model load excluded): transformers is timed around its calls; Kvasir's come from
  `generate --json` (prefill_ms includes the compression, decode_ms the tokens), whose process wall
  time (JVM start and model load included) is recorded too. llama.cpp has no SnapKV: n/a.

Prints one Markdown table (best of the pairs per cell: highest t/s, lowest seconds) naming the CPU
and vector width, and writes it and the raw per-pair numbers to --out.
"""

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import time

# progress bars of the GGUF conversion and the hub would swamp the log
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_vs_llamacpp import cpu_name, vector_width  # noqa: E402


def log(msg):
    print(f"bench_vs_transformers: {msg}", file=sys.stderr, flush=True)


def loadavg():
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def prompt_text():
    """Deterministic English text long enough for 8k+ tokens: the repository's Markdown docs, repeated if short."""
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True)) \
        + sorted(glob.glob(os.path.join(ROOT, "scripts", "*.md")))
    parts = []
    for p in files:
        with open(p, encoding="utf-8") as f:
            parts.append(f.read())
    text = "\n\n".join(parts)
    if not text.strip():
        raise SystemExit("bench_vs_transformers: no Markdown text found in the repository to build prompts from")
    return text


def run(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return p.stdout, wall


def parse_json_output(out):
    i = out.index("{")
    return json.loads(out[i:])


class Transformers:
    def __init__(self, gguf, threads):
        import torch
        import transformers
        import kvpress
        torch.set_num_threads(threads)
        self.torch = torch
        self.kvpress = kvpress
        d, f = os.path.dirname(os.path.abspath(gguf)), os.path.basename(gguf)
        t0 = time.perf_counter()
        self.tok = transformers.AutoTokenizer.from_pretrained(d, gguf_file=f)
        self.model = transformers.AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
        self.model.eval()
        self.load_s = time.perf_counter() - t0
        self.versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                         "kvpress": getattr(kvpress, "__version__", None) or _dist_version("kvpress"),
                         "gguf": _dist_version("gguf"),
                         "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
                         "threads": torch.get_num_threads(), "attn_implementation": self.model.config._attn_implementation}
        # warm-up: first calls allocate and pick kernels
        ids = self.tok("warm up " * 40, return_tensors="pt").input_ids[:, :64]
        with torch.inference_mode():
            self.model(ids, logits_to_keep=1)

    def prefill(self, ids):
        torch = self.torch
        x = torch.tensor([ids])
        with torch.inference_mode():
            t0 = time.perf_counter()
            self.model(x, logits_to_keep=1)
            return time.perf_counter() - t0

    def pipeline(self, ids, ratio, gen):
        """Prefill with SnapKV compressing the cache (kvpress hooks), then greedy decoding as kvpress's pipeline does."""
        torch = self.torch
        from transformers import DynamicCache
        press = self.kvpress.SnapKVPress(compression_ratio=ratio)
        x = torch.tensor([ids])
        cache = DynamicCache()
        with torch.inference_mode():
            t0 = time.perf_counter()
            with press(self.model):
                out = self.model(x, past_key_values=cache, logits_to_keep=1)
            t1 = time.perf_counter()
            kept = cache.get_seq_length()
            nxt = out.logits[0, -1].argmax()
            position = torch.tensor([[len(ids)]])
            tokens = [int(nxt)]
            for i in range(gen - 1):
                out = self.model(input_ids=nxt.view(1, 1), past_key_values=cache, position_ids=position + i)
                nxt = out.logits[0, -1].argmax()
                tokens.append(int(nxt))
            t2 = time.perf_counter()
        return {"prefill_compress_s": t1 - t0, "decode_s": t2 - t1, "total_s": t2 - t0, "kept_slots": kept,
                "text": self.tok.decode(tokens)}


def _dist_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001 - only for the report
        return None


def kvasir_prefill(kvasir, gguf, threads, n, extra):
    out, wall = run([kvasir, "bench", "-m", gguf, "-t", str(threads), "-p", str(n), "-n", "0", "-d", "0", "-r", "1", "--json"] + extra)
    d = parse_json_output(out)
    row = next(r for r in d["results"] if r["test"] == f"pp{n}")
    return n / row["tokens_per_second"]


def kvasir_pipeline(kvasir, gguf, threads, prompt_file, ratio, gen, extra):
    out, wall = run([kvasir, "generate", "-m", gguf, "-t", str(threads), "-f", prompt_file, "--press", "snapkv",
                     "--compression-ratio", str(ratio), "-n", str(gen), "--ignore-eos", "--temperature", "0",
                     "--json", "--no-progress"] + extra)
    d = parse_json_output(out)
    pre, dec = d["prefill_ms"] / 1000, d["decode_ms"] / 1000
    return {"prefill_compress_s": pre, "decode_s": dec, "total_s": pre + dec, "process_wall_s": wall,
            "prompt_tokens": d["prompt_tokens"], "completion_tokens": d["completion_tokens"],
            "compress_s": (d.get("kv") or {}).get("compress_ms", 0) / 1000,
            "budget_achieved": (d.get("kv") or {}).get("budget_achieved"), "text": d["text"]}


def llama_prefill(llama_bench, gguf, threads, n):
    out, wall = run([llama_bench, "-m", gguf, "-t", str(threads), "-p", str(n), "-n", "0", "-r", "1", "-o", "json"])
    rows = load_json_lenient_text(out)
    row = next(r for r in rows if r.get("n_prompt") == n and r.get("n_gen") == 0)
    return n / row["avg_ts"]


def load_json_lenient_text(out):
    i = out.index("[")
    return json.loads(out[i:])


def fmt(v, unit):
    if v is None:
        return "n/a"
    return f"{v:.1f} t/s" if unit == "tps" else f"{v:.2f} s"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="GGUF file (both engines load it)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prefill", default="4096,8192", help="prompt sizes for the prefill rows ('' for none)")
    ap.add_argument("--pipeline-tokens", type=int, default=3945, help="prompt tokens of the compression pipeline (0: skip it)")
    ap.add_argument("--compression-ratio", type=float, default=0.65, help="fraction of the prompt's KV SnapKV removes")
    ap.add_argument("--gen", type=int, default=64, help="greedy tokens decoded after compression")
    ap.add_argument("--pairs", type=int, default=1, help="interleaved repetitions of every measurement")
    ap.add_argument("--kvasir", default=os.path.join(ROOT, "kvasir"), help="the kvasir launcher ('' to skip Kvasir)")
    ap.add_argument("--kvasir-args", default="", help="extra arguments for both kvasir commands")
    ap.add_argument("--llama-bench", default="", help="llama-bench binary for the prefill rows ('' to skip)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)

    os.makedirs(a.out, exist_ok=True)
    sizes = [int(s) for s in a.prefill.split(",") if s.strip()]
    for s in sizes + [a.pipeline_tokens]:
        if s < 0:
            raise SystemExit(f"bench_vs_transformers: prompt sizes must be positive, got {s}")
    if not 0 < a.compression_ratio < 1:
        raise SystemExit(f"bench_vs_transformers: --compression-ratio must be in (0, 1), got {a.compression_ratio}")
    if not os.path.isfile(a.model):
        raise SystemExit(f"bench_vs_transformers: no such model file: {a.model}")
    extra = a.kvasir_args.split()

    log(f"loading {a.model} in transformers (float32, {a.threads} threads); load {loadavg()}")
    tf = Transformers(a.model, a.threads)
    log(f"loaded in {tf.load_s:.1f} s; {tf.versions}")
    ids = tf.tok(prompt_text(), add_special_tokens=False).input_ids
    need = max(sizes + [a.pipeline_tokens])
    while len(ids) < need:
        ids = ids + ids
    prompt_file = os.path.join(a.out, f"prompt-{a.pipeline_tokens}.txt")
    if a.pipeline_tokens:
        with open(prompt_file, "w", encoding="utf-8") as f:
            f.write(tf.tok.decode(ids[:a.pipeline_tokens]))

    samples = []  # one dict per measurement

    def record(test, engine, pair, value, **more):
        s = dict(test=test, engine=engine, pair=pair, load=loadavg(), **more)
        s.update(value if isinstance(value, dict) else {"seconds": value})
        samples.append(s)
        write_results(a, sizes, samples, tf)
        log(f"pair {pair} {test} {engine}: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                                       for k, v in s.items() if k not in ("text", "test", "engine", "pair")))

    for pair in range(1, a.pairs + 1):
        for n in sizes:
            engines = [("transformers", lambda: tf.prefill(ids[:n]))]
            if a.kvasir:
                engines.append(("kvasir", lambda: kvasir_prefill(a.kvasir, a.model, a.threads, n, extra)))
            if a.llama_bench:
                engines.append(("llama.cpp", lambda: llama_prefill(a.llama_bench, a.model, a.threads, n)))
            if pair % 2 == 0:
                engines.reverse()
            for name, fn in engines:
                record(f"prefill {n}", name, pair, fn(), tokens=n)
        if a.pipeline_tokens:
            engines = [("transformers", lambda: tf.pipeline(ids[:a.pipeline_tokens], a.compression_ratio, a.gen))]
            if a.kvasir:
                engines.append(("kvasir", lambda: kvasir_pipeline(a.kvasir, a.model, a.threads, prompt_file,
                                                                  a.compression_ratio, a.gen, extra)))
            if pair % 2 == 0:
                engines.reverse()
            for name, fn in engines:
                record("pipeline", name, pair, fn(), tokens=a.pipeline_tokens)

    print(write_results(a, sizes, samples, tf), end="")
    return 0


def write_results(a, sizes, samples, tf):
    """Writes comparison.md and comparison.json (after every measurement, so a long run interrupted keeps its rows)."""
    md = table(a, sizes, samples, tf)
    with open(os.path.join(a.out, "comparison.md"), "w", encoding="utf-8") as f:
        f.write(md)
    with open(os.path.join(a.out, "comparison.json"), "w", encoding="utf-8") as f:
        json.dump({"generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "model": a.model, "threads": a.threads, "cpu": cpu_name(), "vector_width": vector_width(),
                   "transformers": tf.versions, "transformers_load_s": tf.load_s, "samples": samples}, f, indent=2)
        f.write("\n")
    return md


def table(a, sizes, samples, tf):
    def best(test, engine, key, lowest=True):
        xs = [s[key] for s in samples if s["test"] == test and s["engine"] == engine and s.get(key) is not None]
        return (min(xs) if lowest else max(xs)) if xs else None

    def ratio(x, y):  # how many times faster Kvasir is (times: y / x)
        return f"{y / x:.2f}x" if x and y else "n/a"

    loads = sorted((s["load"].split()[0] for s in samples), key=lambda x: float(x) if x != "n/a" else 0.0)
    v = tf.versions
    lines = [f"## Kvasir vs transformers + kvpress vs llama.cpp — {os.path.basename(a.model)}", "",
             f"- {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; CPU: {cpu_name()}, {os.cpu_count()} logical CPUs;"
             f" vector width: {vector_width()}; torch CPU capability: {v['torch_cpu_capability']}",
             f"- {a.threads} threads each; best of {a.pairs} interleaved pair(s) per cell; 1-minute load average during the"
             f" runs: {loads[0] if loads else 'n/a'}-{loads[-1] if loads else 'n/a'}",
             f"- transformers {v['transformers']} (torch {v['torch']}, {v['attn_implementation']} attention, float32 weights"
             f" dequantized from the GGUF), kvpress {v['kvpress']}; Kvasir {' '.join(['bench/generate'] + a.kvasir_args.split())}"
             + ("; llama.cpp llama-bench (same GGUF, quantized)" if a.llama_bench else ""),
             f"- pipeline: {a.pipeline_tokens}-token prompt, SnapKV at compression ratio {a.compression_ratio} (budget"
             f" {1 - a.compression_ratio:.2f}), {a.gen} greedy tokens; engine time, model load excluded", "",
             "| test | llama.cpp | transformers + kvpress | Kvasir | Kvasir speed-up vs transformers | Kvasir / llama.cpp |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for n in sizes:
        t = {e: best(f"prefill {n}", e, "seconds") for e in ("llama.cpp", "transformers", "kvasir")}
        tps = {e: (n / s if s else None) for e, s in t.items()}
        lines.append(f"| prefill {n} tokens (t/s) | {fmt(tps['llama.cpp'], 'tps')} | {fmt(tps['transformers'], 'tps')} |"
                     f" {fmt(tps['kvasir'], 'tps')} | {ratio(t['kvasir'], t['transformers'])} |"
                     f" {ratio(t['kvasir'], t['llama.cpp'])} |")
    if a.pipeline_tokens:
        for key, label in (("prefill_compress_s", "pipeline: prefill + SnapKV"), ("decode_s", f"pipeline: {a.gen} tokens decoded"),
                           ("total_s", "pipeline: end to end")):
            tt, kk = best("pipeline", "transformers", key), best("pipeline", "kvasir", key)
            lines.append(f"| {label} (s) | n/a | {fmt(tt, 's')} | {fmt(kk, 's')} | {ratio(kk, tt)} | n/a |")
        wall = best("pipeline", "kvasir", "process_wall_s")
        if wall:
            lines.append(f"| pipeline: Kvasir process wall time, JVM start and model load included (s) | n/a | n/a |"
                         f" {fmt(wall, 's')} | n/a | n/a |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
