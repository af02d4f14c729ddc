#!/bin/bash
# Redis CPU per limiter decision in INSTRUCTIONS, not seconds: runs redis-server under
# valgrind --tool=callgrind (instruction counts are repeatable whatever else the machine does), sends
# N EVALSHA of one script with redis-benchmark (1000 random client keys, nothing blocked), and
# subtracts a run of a `return 1` script (start-up, event loop, networking, EVALSHA's fixed cost is
# NOT subtracted: that run's per-call figure is printed too).
# Compares: LimitGuard's token-bucket script, every mix below, and Spring Cloud Gateway 5.0.4's
# request_rate_limiter.lua (taken from the jar in ~/.m2; skipped if absent).
# Usage: bench/lua/instructions.sh [N]   (default 20000; needs valgrind, redis-server, redis-benchmark)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-20000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

total() { # script file, then EVALSHA arguments after the sha: prints total instructions of the run
  local script=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" \
    redis-server --port "$PORT" --save '' --appendonly no > "$WORK/valgrind.log" 2>&1 &
  local pid=$!
  until redis-cli -p "$PORT" ping > /dev/null 2>&1; do sleep 0.2; done
  local sha
  sha=$(redis-cli -p "$PORT" SCRIPT LOAD "$(cat "$script")")
  redis-benchmark -p "$PORT" -n "$N" -c 4 -r 1000 -q EVALSHA "$sha" "$@" > /dev/null 2>&1
  redis-cli -p "$PORT" shutdown nosave > /dev/null 2>&1 || true
  wait "$pid" || true
  grep -E '^(summary|totals):' "$WORK/cg.out" | head -1 | awk '{print $2}'
}

echo 'return 1' > "$WORK/return1.lua"
BASE=$(total "$WORK/return1.lua" 0)
printf '%-40s %10s instructions per call (the whole request: parse, event loop, reply)\n' 'return 1 (baseline)' "$((BASE / N))"
row() { # name, script file, EVALSHA args...
  local name=$1 script=$2; shift 2
  local t
  t=$(total "$script" "$@")
  printf '%-40s %10s instructions per call above the baseline\n' "$name" "$(((t - BASE) / N))"
}
bench/lua/assemble.sh token_bucket > "$WORK/tb.lua"
row 'token-bucket' "$WORK/tb.lua" 1 'lg:{b:__rand_int__}:l' 1 token-bucket 1 1000000 1000
# batch mode: 8 requests on 8 clients in one call (the gateway under load); per request = (this + baseline) / 8
BATCH_KEYS=(); BATCH_ARGS=()
for q in 1 2 3 4 5 6 7 8; do
  BATCH_KEYS+=("lg:{b$q:__rand_int__}:l"); BATCH_ARGS+=(5 1 token-bucket 1 1000000 1000)
done
row 'token-bucket, batch of 8 requests' "$WORK/tb.lua" 8 "${BATCH_KEYS[@]}" batch 8 "${BATCH_ARGS[@]}"
bench/lua/assemble.sh gcra > "$WORK/gcra.lua"
row 'gcra' "$WORK/gcra.lua" 1 'lg:{g:__rand_int__}:l' 1 gcra 1 1000 1000000
bench/lua/assemble.sh fixed_window > "$WORK/fw.lua"
row 'fixed-window' "$WORK/fw.lua" 1 'lg:{f:__rand_int__}:l' 1 fixed-window 1 1000000 3600000
bench/lua/assemble.sh token_bucket gcra fixed_window sliding_window concurrency > "$WORK/all.lua"
row 'token-bucket, all 5 algorithms in script' "$WORK/all.lua" 1 'lg:{a:__rand_int__}:l' 1 token-bucket 1 1000000 1000
JAR=$(find ~/.m2/repository/org/springframework/cloud/spring-cloud-gateway-server-webflux -name '*.jar' 2>/dev/null | sort | tail -1)
if [ -n "$JAR" ]; then
  unzip -p "$JAR" META-INF/scripts/request_rate_limiter.lua > "$WORK/scg.lua"
  row "SCG request_rate_limiter.lua" "$WORK/scg.lua" 2 'scg:{__rand_int__}:t' 'scg:{__rand_int__}:ts' 1000 1000000 '' 1
fi
