#!/usr/bin/env bash
# Measures the server: throughput and p50/p99 latency at 1, 4 and 16 concurrent clients, with
# the full KV cache and with a compressed one (per-request kv_compression). Starts `kvasir serve`
# on a loopback port, runs dev.kvasir.server.bench.ServerBench against it, stops the server.
#   scripts/bench-server.sh [--model M] [--parallel N] [-- bench args: --requests 24 --max-tokens 32 --press snapkv --budget 0.35]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${KVASIR_BENCH_PORT:-18181}"
SERVE_ARGS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do SERVE_ARGS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift

"$ROOT/kvasir" build >/dev/null
"$ROOT/kvasir" serve --host 127.0.0.1 --port "$PORT" --max-kv-memory 4g ${SERVE_ARGS[@]+"${SERVE_ARGS[@]}"} &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do  # bounded wait for the model to load
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/health" >/dev/null

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uptime | sed 's/.*load/load/')" >&2
"$JAVA" -cp "$ROOT/kvasir-cli/target/kvasir.jar" dev.kvasir.server.bench.ServerBench --url "http://127.0.0.1:$PORT" "$@"
