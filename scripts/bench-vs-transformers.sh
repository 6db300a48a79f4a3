#!/usr/bin/env bash
# Benchmarks Kvasir side by side with transformers + kvpress (torch on CPU) and, for the prefill rows,
# llama.cpp's llama-bench, on the same GGUF model and thread count. Prints one Markdown table.
#
# The Python packages go into a venv outside the repository (default ~/.cache/kvasir/venv-bench),
# installed from PyPI on first use and reused afterwards.
#
#   scripts/bench-vs-transformers.sh [options]          see --help; scripts/README.md has the details
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${KVASIR_BENCH_VENV:-$HOME/.cache/kvasir/venv-bench}"
# Pinned: kvpress 0.5.5 needs transformers < 5.3; torch comes from PyPI (see scripts/README.md on its size).
PACKAGES=(torch "transformers==5.2.0" "kvpress==0.5.5" gguf)
MODEL="${KVASIR_MODEL:-$HOME/.cache/kvasir/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
LLAMA_BENCH_DEFAULT="${KVASIR_LLAMACPP_CACHE:-$HOME/.cache/kvasir/llama.cpp}/build-0.3.36/bin/llama-bench"
LLAMA_BENCH=""
NO_LLAMA=0
OUT=""
PY_ARGS=()
SETUP_ONLY=0

usage() {
  cat <<USAGE
Usage: scripts/bench-vs-transformers.sh [options]

Makes (once) a venv with ${PACKAGES[*]}, then runs scripts/bench_vs_transformers.py:
prefill of 4k and 8k prompts and the compression pipeline (prefill + SnapKV + greedy tokens) in
transformers + kvpress and in Kvasir, interleaved, plus llama-bench prefill rows when it is built.

Options:
  --model FILE              GGUF model (default: $MODEL; env KVASIR_MODEL)
  --threads N               threads for every engine (default: 2)
  --prefill LIST            prefill prompt sizes, comma separated, '' for none (default: 4096,8192)
  --pipeline-tokens N       prompt tokens of the compression pipeline, 0 to skip it (default: 3945)
  --compression-ratio R     fraction of the prompt's KV that SnapKV removes (default: 0.65, i.e. budget 0.35)
  --gen N                   greedy tokens after compression (default: 64)
  --pairs N                 interleaved repetitions of each measurement; the best is tabled (default: 1)
  --kvasir-args "ARGS"      extra arguments for './kvasir bench' and './kvasir generate'
  --skip-kvasir             transformers (and llama.cpp) only
  --llama-bench FILE        llama-bench binary (default: $LLAMA_BENCH_DEFAULT if it exists;
                            'scripts/bench-vs-llamacpp.sh --build-only' builds it)
  --skip-llamacpp           no llama.cpp column
  --out DIR                 output dir (default: bench-out/vs-transformers-<timestamp>, git-ignored)
  --venv DIR                the venv (default: $VENV; env KVASIR_BENCH_VENV)
  --setup-only              make the venv and stop
  -h, --help                this help
USAGE
}

die() { echo "bench-vs-transformers: $*" >&2; exit 1; }
log() { echo "bench-vs-transformers: $*" >&2; }
need_arg() { if [ $# -lt 2 ]; then die "option $1 needs a value (see --help)"; fi; }

while [ $# -gt 0 ]; do
  case "$1" in
    --model) need_arg "$@"; MODEL="$2"; shift 2 ;;
    --threads|--prefill|--pipeline-tokens|--compression-ratio|--gen|--pairs|--kvasir-args)
      need_arg "$@"; PY_ARGS+=("$1" "$2"); shift 2 ;;
    --skip-kvasir) PY_ARGS+=(--kvasir ""); shift ;;
    --llama-bench) need_arg "$@"; LLAMA_BENCH="$2"; shift 2 ;;
    --skip-llamacpp) NO_LLAMA=1; shift ;;
    --out) need_arg "$@"; OUT="$2"; shift 2 ;;
    --venv) need_arg "$@"; VENV="$2"; shift 2 ;;
    --setup-only) SETUP_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

PYTHON="$(command -v python3 || true)"
[ -n "$PYTHON" ] || die "python3 is needed (apt-get install python3 python3-venv)"

# ---- the venv: made once, re-made when the pinned package list changes ----------------------------
STAMP="$VENV/.kvasir-bench-packages"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "${PACKAGES[*]}" ]; then
  log "making the venv $VENV with ${PACKAGES[*]} (first use: torch from PyPI is a large download, see scripts/README.md)"
  "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$VENV/bin/pip" install -q --upgrade pip || die "pip upgrade failed"
  "$VENV/bin/pip" install -q "${PACKAGES[@]}" || die "pip install ${PACKAGES[*]} failed"
  echo "${PACKAGES[*]}" >"$STAMP"
fi
if [ "$SETUP_ONLY" = 1 ]; then log "venv ready: $VENV"; exit 0; fi

[ -f "$MODEL" ] || die "no such model file: $MODEL (./kvasir pull smollm2-135m, or --model FILE)"
if [ "$NO_LLAMA" = 0 ]; then
  if [ -n "$LLAMA_BENCH" ]; then
    [ -x "$LLAMA_BENCH" ] || die "--llama-bench: not an executable: $LLAMA_BENCH"
  elif [ -x "$LLAMA_BENCH_DEFAULT" ]; then
    LLAMA_BENCH="$LLAMA_BENCH_DEFAULT"
  else
    log "no llama-bench at $LLAMA_BENCH_DEFAULT: the llama.cpp column stays n/a (scripts/bench-vs-llamacpp.sh --build-only builds it)"
  fi
fi
[ -n "$OUT" ] || OUT="$ROOT/bench-out/vs-transformers-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

exec "$VENV/bin/python" "$ROOT/scripts/bench_vs_transformers.py" --model "$MODEL" --out "$OUT" \
  --llama-bench "$LLAMA_BENCH" "${PY_ARGS[@]}"
