#!/usr/bin/env bash
# Benchmarks Kvasir side by side with llama.cpp on the same GGUF model and thread count.
#
# llama.cpp is built from the llama.cpp that the PyPI package llama-cpp-python vendors in its
# source distribution (vendor/llama.cpp), pinned below, so no network but PyPI is needed.
# The build (only the llama-bench target) lives in a cache dir outside the repository and is reused.
#
#   scripts/bench-vs-llamacpp.sh [options]          see --help; scripts/README.md has the details
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPER="$ROOT/scripts/bench_vs_llamacpp.py"

# ---- defaults -------------------------------------------------------------------------------
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"   # vendors ggml-org/llama.cpp@0c1e57098
CACHE_DIR="${KVASIR_LLAMACPP_CACHE:-$HOME/.cache/kvasir/llama.cpp}"
MODEL="${KVASIR_MODEL:-$HOME/.cache/kvasir/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
THREADS=2
REPS=5
DEPTHS="0,2048,4096"
N_PROMPT=512
N_GEN=128
OUT=""
KVASIR_JSON=""
LLAMACPP_JSON=""
SKIP_KVASIR=0
SKIP_LLAMACPP=0
BUILD_ONLY=0
REBUILD=0
KVASIR_EXTRA_ARGS=""
LLAMACPP_EXTRA_ARGS=""
JOBS=2
NICE=""
BEST_OF=1
PREFILL=""          # long-prompt prefill sizes, e.g. 4096,8192 (empty: none)
PREFILL_REPS=2

usage() {
  cat <<EOF
Usage: scripts/bench-vs-llamacpp.sh [options]

Builds llama.cpp's llama-bench from the llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist (cached), runs it and
'./kvasir bench' on the same model and threads, prints a side-by-side Markdown table and writes JSON.

Options:
  --model FILE          GGUF model (default: $MODEL); any model 'kvasir pull' fetched works, e.g.
                        ~/.cache/kvasir/models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf (qwen2.5-coder-0.5b) or
                        ~/.cache/kvasir/models/gemma-3-270m-q4_k_m.gguf (gemma3-270m, sliding-window layers)
  --threads N           threads for both engines (default: $THREADS)
  --reps N              llama-bench repetitions per test (-r) (default: $REPS)
  --depths LIST         KV-cache depths, comma separated (llama-bench -d) (default: $DEPTHS)
  --n-prompt N          prompt-processing test size (llama-bench -p) (default: $N_PROMPT)
  --n-gen N             generation test size (llama-bench -n) (default: $N_GEN)
  --out DIR             output dir (default: bench-out/vs-llamacpp-<timestamp> in the repo, git-ignored)
  --cache-dir DIR       where the sdist, sources and build live (default: $CACHE_DIR;
                        env KVASIR_LLAMACPP_CACHE)
  --llama-cpp-python-version V
                        sdist version to build from (default: $LLAMA_CPP_PYTHON_VERSION)
  --kvasir-json FILE    use a pre-recorded 'kvasir bench --json' output instead of running Kvasir
  --skip-kvasir         do not run Kvasir (table shows llama.cpp only)
  --llamacpp-json FILE  use a pre-recorded 'llama-bench -o json' output instead of running llama-bench
  --skip-llamacpp       do not build or run llama.cpp
  --kvasir-args "ARGS"  extra arguments appended to './kvasir bench ...'
  --prefill LIST        also measure long-prompt prefill on an empty cache, one row per size, e.g. 4096,8192
                        (llama-bench -p LIST -n 0 -d 0; './kvasir bench -p N -n 0 -d 0' per size) (default: none)
  --prefill-reps N      repetitions of each long-prompt prefill (default: $PREFILL_REPS)
  --llamacpp-args "ARGS"
                        extra arguments appended to 'llama-bench ...', e.g. "-fa 1 -ctk q8_0 -ctv q8_0"
                        (flash attention on, q8_0 KV cache)
  --jobs N              parallel build jobs (default: $JOBS)
  --best-of K           run each engine K times (alternating) and keep, per test and depth, the run with
                        the highest mean t/s: the least disturbed one on a shared machine (default: 1)
  --nice N              run both engines under 'nice -n N' (negative needs root): on a shared machine a
                        negative value keeps other jobs from preempting the benchmark threads
  --rebuild             rebuild llama-bench even if a cached build exists
  --build-only          only download and build llama-bench, then print its path
  -h, --help            this help
EOF
}

die() { echo "bench-vs-llamacpp: $*" >&2; exit 1; }
log() { echo "bench-vs-llamacpp: $*" >&2; }

need_arg() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "option $1 needs a value (see --help)"; fi; }
while [ $# -gt 0 ]; do
  case "$1" in
    --model) need_arg "$@"; MODEL="$2"; shift 2 ;;
    --threads) need_arg "$@"; THREADS="$2"; shift 2 ;;
    --reps) need_arg "$@"; REPS="$2"; shift 2 ;;
    --depths) need_arg "$@"; DEPTHS="$2"; shift 2 ;;
    --n-prompt) need_arg "$@"; N_PROMPT="$2"; shift 2 ;;
    --n-gen) need_arg "$@"; N_GEN="$2"; shift 2 ;;
    --out) need_arg "$@"; OUT="$2"; shift 2 ;;
    --cache-dir) need_arg "$@"; CACHE_DIR="$2"; shift 2 ;;
    --llama-cpp-python-version) need_arg "$@"; LLAMA_CPP_PYTHON_VERSION="$2"; shift 2 ;;
    --kvasir-json) need_arg "$@"; KVASIR_JSON="$2"; shift 2 ;;
    --skip-kvasir) SKIP_KVASIR=1; shift ;;
    --llamacpp-json) need_arg "$@"; LLAMACPP_JSON="$2"; shift 2 ;;
    --skip-llamacpp) SKIP_LLAMACPP=1; shift ;;
    --kvasir-args) need_arg "$@"; KVASIR_EXTRA_ARGS="$2"; shift 2 ;;
    --llamacpp-args) need_arg "$@"; LLAMACPP_EXTRA_ARGS="$2"; shift 2 ;;
    --jobs) need_arg "$@"; JOBS="$2"; shift 2 ;;
    --best-of) need_arg "$@"; BEST_OF="$2"; shift 2 ;;
    --prefill) need_arg "$@"; PREFILL="$2"; shift 2 ;;
    --prefill-reps) need_arg "$@"; PREFILL_REPS="$2"; shift 2 ;;
    --nice) need_arg "$@"; NICE="$2"; shift 2 ;;
    --rebuild) REBUILD=1; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

for v in THREADS REPS N_PROMPT N_GEN JOBS BEST_OF PREFILL_REPS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$(echo "$v" | tr 'A-Z_' 'a-z-') must be a positive integer, got '${!v}'"
done
[ -z "$NICE" ] || [[ "$NICE" =~ ^-?[0-9]+$ ]] || die "--nice must be an integer, got '$NICE'"
[[ "$DEPTHS" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--depths must be a comma-separated list of integers, got '$DEPTHS'"
[ -z "$PREFILL" ] || [[ "$PREFILL" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] \
  || die "--prefill must be a comma-separated list of positive integers, got '$PREFILL'"
[ -n "$KVASIR_JSON" ] && [ ! -f "$KVASIR_JSON" ] && die "--kvasir-json: no such file: $KVASIR_JSON"
[ -n "$LLAMACPP_JSON" ] && [ ! -f "$LLAMACPP_JSON" ] && die "--llamacpp-json: no such file: $LLAMACPP_JSON"

PYTHON="$(command -v python3 || true)"
[ -n "$PYTHON" ] || die "python3 is needed (apt-get install python3 python3-pip)"

# ---- llama.cpp: download, extract, build ------------------------------------------------------
SDIST_DIR="$CACHE_DIR/sdist"
SRC_ROOT="$CACHE_DIR/src/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION"
LLAMA_SRC="$SRC_ROOT/vendor/llama.cpp"
BUILD_DIR="$CACHE_DIR/build-$LLAMA_CPP_PYTHON_VERSION"
LLAMA_BENCH="$BUILD_DIR/bin/llama-bench"
LLAMA_COMMIT="unknown"

check_toolchain() {
  local missing=()
  command -v cmake >/dev/null 2>&1 || missing+=(cmake)
  { command -v c++ || command -v g++ || command -v clang++; } >/dev/null 2>&1 || missing+=("C++ compiler")
  { command -v cc || command -v gcc || command -v clang; } >/dev/null 2>&1 || missing+=("C compiler")
  { command -v make || command -v ninja; } >/dev/null 2>&1 || missing+=("make")
  if [ ${#missing[@]} -gt 0 ]; then
    die "building llama.cpp needs: ${missing[*]}. Install them, e.g.: apt-get update && apt-get install -y cmake g++ make"
  fi
}

fetch_sources() {
  local tarball="$SDIST_DIR/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
  if [ ! -f "$tarball" ]; then
    log "downloading llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist into $SDIST_DIR"
    mkdir -p "$SDIST_DIR"
    "$PYTHON" -m pip --version >/dev/null 2>&1 || die "pip is needed to download the sdist (apt-get install python3-pip)"
    "$PYTHON" -m pip download --no-binary :all: --no-deps --disable-pip-version-check -q \
      -d "$SDIST_DIR" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" >&2 \
      || die "pip download of llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION failed"
    [ -f "$tarball" ] || die "expected $tarball after pip download; found: $(ls "$SDIST_DIR")"
  fi
  if [ ! -f "$LLAMA_SRC/CMakeLists.txt" ]; then
    log "extracting $tarball"
    rm -rf "$SRC_ROOT"
    mkdir -p "$CACHE_DIR/src"
    tar -xzf "$tarball" -C "$CACHE_DIR/src"
    [ -f "$LLAMA_SRC/CMakeLists.txt" ] || die "no vendor/llama.cpp in the sdist (expected $LLAMA_SRC)"
  fi
  # The sdist carries no git metadata for the submodule: take the llama.cpp commit from its CHANGELOG
  # ("## [0.3.36]" followed by "- feat: update llama.cpp to ggml-org/llama.cpp@<hash>").
  LLAMA_COMMIT="$(awk -v ver="$LLAMA_CPP_PYTHON_VERSION" '
      /^## \[/ { insec = (index($0, "[" ver "]") > 0); next }
      insec && match($0, /llama\.cpp@[0-9a-f]+/) { print substr($0, RSTART + 10, RLENGTH - 10); exit }
    ' "$SRC_ROOT/CHANGELOG.md" 2>/dev/null || true)"
  [ -n "$LLAMA_COMMIT" ] || LLAMA_COMMIT="unknown"
}

cmake_flags() {
  printf '%s\n' \
    -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=ON \
    -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_CURL=OFF \
    -DLLAMA_OPENSSL=OFF \
    -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_HIP=OFF -DGGML_SYCL=OFF -DGGML_OPENCL=OFF \
    -DGGML_BLAS=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_TOOLS=ON \
    "-DLLAMA_BUILD_COMMIT=$LLAMA_COMMIT"
}

build_llama_bench() {
  # GGML_NATIVE ties the binary to this CPU: the stamp records the flags and CPU so a cache dir
  # carried to another machine gets rebuilt rather than crashing with an illegal instruction.
  local cpu stamp want
  cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//') $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | md5sum | cut -c1-8)"
  want="$(cmake_flags | tr '\n' ' ')| cpu: $cpu"
  stamp="$BUILD_DIR/.kvasir-build-stamp"
  if [ "$REBUILD" = 0 ] && [ -x "$LLAMA_BENCH" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "reusing $LLAMA_BENCH (llama.cpp@$LLAMA_COMMIT; --rebuild to force)"
    return
  fi
  check_toolchain
  local t0 t1 cfg=()
  mapfile -t cfg < <(cmake_flags)
  log "building llama-bench (llama.cpp@$LLAMA_COMMIT from llama-cpp-python $LLAMA_CPP_PYTHON_VERSION) in $BUILD_DIR, -j$JOBS"
  t0=$(date +%s)
  rm -f "$stamp"
  cmake -S "$LLAMA_SRC" -B "$BUILD_DIR" "${cfg[@]}" >"$CACHE_DIR/cmake-configure.log" 2>&1 \
    || { tail -40 "$CACHE_DIR/cmake-configure.log" >&2; die "cmake configure failed (full log: $CACHE_DIR/cmake-configure.log)"; }
  cmake --build "$BUILD_DIR" --config Release --target llama-bench -j "$JOBS" >"$CACHE_DIR/cmake-build.log" 2>&1 \
    || { tail -40 "$CACHE_DIR/cmake-build.log" >&2; die "build failed (full log: $CACHE_DIR/cmake-build.log)"; }
  t1=$(date +%s)
  [ -x "$LLAMA_BENCH" ] || die "build finished but $LLAMA_BENCH is missing"
  echo "$want" >"$stamp"
  echo "$((t1 - t0))" >"$BUILD_DIR/.kvasir-build-seconds"
  log "built $LLAMA_BENCH in $((t1 - t0)) s"
}

if [ "$SKIP_LLAMACPP" = 0 ] && [ -z "$LLAMACPP_JSON" ]; then
  { [ "$REBUILD" = 1 ] || [ ! -x "$LLAMA_BENCH" ]; } && check_toolchain   # fail before a 75 MB download
  fetch_sources
  build_llama_bench
  if [ "$BUILD_ONLY" = 1 ]; then echo "$LLAMA_BENCH"; exit 0; fi
elif [ "$BUILD_ONLY" = 1 ]; then
  die "--build-only conflicts with --skip-llamacpp / --llamacpp-json"
fi

# ---- run ------------------------------------------------------------------------------------
[ -n "$OUT" ] || OUT="$ROOT/bench-out/vs-llamacpp-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
RUN_PREFIX=()
if [ -n "$NICE" ]; then
  [ "$NICE" -ge 0 ] || [ "$(id -u)" = 0 ] || die "--nice $NICE: a negative nice value needs root"
  RUN_PREFIX=(nice -n "$NICE")
fi
need_model() { [ -f "$MODEL" ] || die "model not found: $MODEL (--model FILE)"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a), cpus: $(nproc)${NICE:+, both engines run under nice -n $NICE}" >"$OUT/machine.txt"

# Each engine runs BEST_OF times, alternating (llama.cpp, Kvasir, llama.cpp, ...) so both see similar load;
# the merge keeps, per (test, depth), the run with the highest mean t/s.
LLAMA_FILES=() KV_FILES=()
[ -n "$LLAMACPP_JSON" ] && LLAMA_FILES+=("$LLAMACPP_JSON")
[ -n "$KVASIR_JSON" ] && KV_FILES+=("$KVASIR_JSON")
RUN_LLAMA=0 RUN_KV=0 KV_FAILED=0
[ "$SKIP_LLAMACPP" = 0 ] && [ -z "$LLAMACPP_JSON" ] && RUN_LLAMA=1
[ "$SKIP_KVASIR" = 0 ] && [ -z "$KVASIR_JSON" ] && RUN_KV=1
[ "$RUN_LLAMA" = 1 ] || [ "$RUN_KV" = 1 ] || [ ${#LLAMA_FILES[@]} -gt 0 ] || [ ${#KV_FILES[@]} -gt 0 ] \
  || die "nothing to compare: both engines skipped"

if [ "$RUN_LLAMA" = 1 ]; then
  need_model
  depth_args=(-d "$DEPTHS")
  bench_help="$("$LLAMA_BENCH" --help 2>&1 || true)"   # captured first: grep -q + pipefail would see SIGPIPE
  if [[ "$bench_help" != *--n-depth* ]]; then
    # Older llama-bench (before mid-2025) has no -d/--n-depth: it can only measure an empty KV cache.
    log "this llama-bench has no -d/--n-depth; measuring depth 0 only (pick a newer --llama-cpp-python-version for depths)"
    depth_args=()
  fi
  prefill_depth=(); if [ ${#depth_args[@]} -gt 0 ]; then prefill_depth=(-d 0); fi
  # shellcheck disable=SC2206  # word splitting of --llamacpp-args is intended
  llama_extra=($LLAMACPP_EXTRA_ARGS)
fi
if [ "$RUN_KV" = 1 ]; then
  need_model
  # shellcheck disable=SC2206  # word splitting of --kvasir-args is intended
  extra=($KVASIR_EXTRA_ARGS)
  # picocli refuses an option given twice: the script sets -p/-n/-d (and -r for the prefill rows) itself,
  # so those are taken out of --kvasir-args for the prefill rows, and -p/-n/-d for the main run
  strip_opts() { # strip_opts "OPTS REGEX" ARGS...: prints ARGS without the matching options and their values
    local re="$1" skip=0 x; shift
    for x in "$@"; do
      if [ "$skip" = 1 ]; then skip=0; continue; fi
      if [[ "$x" =~ ^($re)$ ]]; then skip=1; continue; fi
      [[ "$x" =~ ^($re)= ]] && continue
      printf '%s\n' "$x"
    done
  }
  mapfile -t extra_main < <(strip_opts '-p|--n-prompt|-n|--n-gen|-d|--depths' "${extra[@]}")
  mapfile -t extra_prefill < <(strip_opts '-p|--n-prompt|-n|--n-gen|-d|--depths|-r|--reps' "${extra[@]}")
fi

for ((run = 1; run <= BEST_OF; run++)); do
  sfx=""; [ "$BEST_OF" -gt 1 ] && sfx=".$run"
  tag=""; [ "$BEST_OF" -gt 1 ] && tag=" (run $run/$BEST_OF)"
  if [ "$RUN_LLAMA" = 1 ]; then
    f="$OUT/llamacpp$sfx.json"
    log "running llama-bench -t $THREADS -p $N_PROMPT -n $N_GEN ${depth_args[*]:-} -r $REPS ${llama_extra[*]:+${llama_extra[*]} }-o json$tag"
    "${RUN_PREFIX[@]}" "$LLAMA_BENCH" -m "$MODEL" -t "$THREADS" -p "$N_PROMPT" -n "$N_GEN" "${depth_args[@]}" -r "$REPS" \
      "${llama_extra[@]}" -o json \
      >"$f" 2>"$OUT/llamacpp$sfx.stderr" \
      || { tail -20 "$OUT/llamacpp$sfx.stderr" >&2; die "llama-bench failed (log: $OUT/llamacpp$sfx.stderr)"; }
    LLAMA_FILES+=("$f")
    if [ -n "$PREFILL" ]; then
      # long-prompt prefill on an empty cache: its own llama-bench call, rows pp<N> at depth 0
      f="$OUT/llamacpp-prefill$sfx.json"
      log "running llama-bench -t $THREADS -p $PREFILL -n 0 -d 0 -r $PREFILL_REPS -o json$tag"
      "${RUN_PREFIX[@]}" "$LLAMA_BENCH" -m "$MODEL" -t "$THREADS" -p "$PREFILL" -n 0 "${prefill_depth[@]}" "${llama_extra[@]}" \
          -r "$PREFILL_REPS" -o json >"$f" 2>"$OUT/llamacpp-prefill$sfx.stderr" \
        || { tail -20 "$OUT/llamacpp-prefill$sfx.stderr" >&2; die "llama-bench failed (log: $OUT/llamacpp-prefill$sfx.stderr)"; }
      LLAMA_FILES+=("$f")
    fi
  fi
  if [ "$RUN_KV" = 1 ]; then
    f="$OUT/kvasir$sfx.json"
    # the same test shapes as llama-bench's (-p/-n/-d), so that the rows pair up
    log "running ./kvasir bench --model $MODEL --threads $THREADS -p $N_PROMPT -n $N_GEN -d $DEPTHS --json ${extra[*]:-}$tag"
    if "${RUN_PREFIX[@]}" "$ROOT/kvasir" bench --model "$MODEL" --threads "$THREADS" -p "$N_PROMPT" -n "$N_GEN" -d "$DEPTHS" --json "${extra_main[@]}" \
         >"$f" 2>"$OUT/kvasir$sfx.stderr"; then
      KV_FILES+=("$f")
    else
      # keep going: the llama.cpp numbers are still worth a table
      tail -20 "$OUT/kvasir$sfx.stderr" >&2
      log "kvasir bench failed (log: $OUT/kvasir$sfx.stderr); use --kvasir-json FILE or --skip-kvasir"
      KV_FAILED=1
    fi
    for n in ${PREFILL//,/ }; do
      f="$OUT/kvasir-prefill$n$sfx.json"
      log "running ./kvasir bench --model $MODEL --threads $THREADS --json ${extra[*]:-} -p $n -n 0 -d 0 -r $PREFILL_REPS$tag"
      if "${RUN_PREFIX[@]}" "$ROOT/kvasir" bench --model "$MODEL" --threads "$THREADS" --json "${extra_prefill[@]}" \
           -p "$n" -n 0 -d 0 -r "$PREFILL_REPS" >"$f" 2>"$OUT/kvasir-prefill$n$sfx.stderr"; then
        KV_FILES+=("$f")
      else
        tail -20 "$OUT/kvasir-prefill$n$sfx.stderr" >&2
        log "kvasir bench -p $n failed (log: $OUT/kvasir-prefill$n$sfx.stderr)"
        KV_FAILED=1
      fi
    done
  fi
  echo "load average after run $run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" >>"$OUT/machine.txt"
done

merge_args=()
for f in "${LLAMA_FILES[@]}"; do merge_args+=(--llamacpp "$f"); done
for f in "${KV_FILES[@]}"; do merge_args+=(--kvasir "$f"); done
rc=0
"$PYTHON" "$HELPER" "${merge_args[@]}" \
  --model "$MODEL" --threads "$THREADS" --reps "$REPS" --depths "$DEPTHS" --best-of "$BEST_OF" \
  --prefill "$PREFILL" --prefill-reps "$PREFILL_REPS" \
  --llama-cpp-python-version "$LLAMA_CPP_PYTHON_VERSION" --llama-commit "$LLAMA_COMMIT" \
  --machine "$OUT/machine.txt" \
  --json-out "$OUT/comparison.json" --md-out "$OUT/comparison.md" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 2 ] || die "merging the results failed"
[ "$KV_FAILED" = 0 ] || rc=2
log "wrote $OUT/comparison.md and $OUT/comparison.json"
exit "$rc"
