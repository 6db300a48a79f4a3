#!/usr/bin/env bash
# Measures `kvasir serve` under load (not a test). Two parts, each comparing servers side by side
# in one run (rounds alternate between them; the table keeps each row's best round):
#   1. throughput: continuous batching (--batching on) against the slot-per-request mode
#      (--batching off --parallel 2, the previous default) at 16 clients, ~400-token prompts,
#      64 generated tokens each, full cache;
#   2. memory: --max-kv-memory sized to fit four full-cache requests of a ~2k-token prompt and
#      64 tokens; 16 clients with such prompts, full cache vs snapkv 0.35 (batching on), with the
#      most sequences decoding at once sampled from /metrics.
# Every request has its own prompt (no shared prefix). Prints markdown tables and JSON.
#   scripts/bench-server.sh [--model M] [--rounds N] [--only throughput|memory]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${KVASIR_BENCH_PORT:-18181}"
MODEL=()
ROUNDS=2
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) MODEL=(--model "$2"); shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    *) echo "unknown argument $1 (expected --model M, --rounds N, --only throughput|memory)" >&2; exit 2 ;;
  esac
done

"$ROOT/kvasir" build >/dev/null
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
BENCH=("$JAVA" -cp "$ROOT/kvasir-cli/target/kvasir.jar" dev.kvasir.server.bench.ServerBench)
SERVERS=()
cleanup() { for p in ${SERVERS[@]+"${SERVERS[@]}"}; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start_server PORT ARGS...: starts a server in the background and waits (bounded) for /health
start_server() {
  local port="$1"; shift
  # long limits: on a loaded machine a request may take minutes, and a timed-out one would skew the figures
  # --prompt-cache-memory 0: every round sends the same prompts, and a batching server that kept
  # the earlier rounds' conversations would skip their prefill (measured: 16 requests in 4.7 s
  # instead of 10.3 s), which is multi-turn reuse, not the throughput compared here
  "$ROOT/kvasir" serve --host 127.0.0.1 --port "$port" --timeout 30m --queue-timeout 30m --prompt-cache-memory 0 ${MODEL[@]+"${MODEL[@]}"} "$@" >/dev/null 2>"/tmp/kvasir-bench-$port.log" &
  SERVERS+=($!)
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "server on port $port did not start:" >&2; cat "/tmp/kvasir-bench-$port.log" >&2; exit 1
}
stop_servers() { cleanup; SERVERS=(); }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB" >&2
# keeps each (server, cache, clients) row's best round by tok/s
best_rows() { sort -t'|' -k2,2 -k3,3 -k4,4n -k6,6gr | awk -F'|' '!seen[$2 $3 $4]++'; }

if [ "$ONLY" != "memory" ]; then
  start_server "$PORT" --batching on
  start_server "$((PORT + 1))" --batching off --parallel 2
  ROWS=""
  for r in $(seq 1 "$ROUNDS"); do
    for side in on off; do
      port=$PORT; [ "$side" = off ] && port=$((PORT + 1))
      echo "round $r, batching $side; $(uptime | sed 's/.*load/load/')" >&2
      out=$("${BENCH[@]}" --url "http://127.0.0.1:$port" --label "batching $side" --concurrency 16 --requests 16 --max-tokens 64 \
            --prompt-words 300 --caches full)
      ROWS+="$(echo "$out" | grep '^| batching')"$'\n'
    done
  done
  stop_servers
  echo "### throughput: 16 clients, ~400-token prompts, 64 tokens each ($(date -u +%Y-%m-%d), $(uptime | sed 's/.*load/load/'))"
  echo "| server | cache | clients | req/s | generated tok/s | p50 ms | p99 ms | KV bytes per request | max decoding at once |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$ROWS" | grep . | best_rows
fi

if [ "$ONLY" != "throughput" ]; then
  # size the limit from the server's own accounting: prompt tokens and KV bytes per token of the 2k prompt
  start_server "$PORT" --batching on
  read -r PT BPT < <("${BENCH[@]}" --url "http://127.0.0.1:$PORT" --prompt-words 1840 --probe)
  stop_servers
  # each request's opening line differs by a few tokens: 8 tokens of margin per request
  LIMIT=$(( 4 * (PT + 64 + 8) * BPT ))
  echo "memory scenario: ${PT}-token prompts, $BPT KV bytes per token, --max-kv-memory $LIMIT (four full-cache requests)" >&2
  start_server "$PORT" --batching on --max-kv-memory "$LIMIT"
  ROWS=""
  for r in $(seq 1 "$ROUNDS"); do
    for cache in full press; do
      echo "round $r, $cache; $(uptime | sed 's/.*load/load/')" >&2
      out=$("${BENCH[@]}" --url "http://127.0.0.1:$PORT" --label "limit $LIMIT" --concurrency 16 --requests 16 --max-tokens 64 \
            --prompt-words 1840 --caches "$cache" --press snapkv --budget 0.35)
      ROWS+="$(echo "$out" | grep '^| limit')"$'\n'
    done
  done
  stop_servers
  echo
  echo "### memory-bound: ${PT}-token prompts, --max-kv-memory = 4 full-cache requests, 16 clients, 64 tokens each ($(date -u +%Y-%m-%d), $(uptime | sed 's/.*load/load/'))"
  echo "| server | cache | clients | req/s | generated tok/s | p50 ms | p99 ms | KV bytes per request | max decoding at once |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$ROWS" | grep . | best_rows
fi
