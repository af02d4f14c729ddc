#!/usr/bin/env bash
# How long the gateway's JIT needs under load: a fresh gateway JVM serves wrk runs of 20 s, one route
# after the other, and for each run prints req/s, the CPU of its C1/C2 compiler threads and of the
# whole process (from /proc/<pid>/task/*/stat). Once the compiler CPU is near zero the JVM is warm;
# run.sh's WARMUP must give it that long.
# Usage: bench/gateway/jit-warmup.sh [gateway.jar]   (env: DUR=20, ROUTES="limited limited limited open open limited open limited")
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/gateway"
WORK=$(mktemp -d /tmp/lg-jit.XXXXXX)
JAR=${1:-$(ls "$ROOT"/gateway-service/target/gateway-service-*.jar | grep -v original | head -1)}
source "$HERE/common.sh"

start_redis
start_nginx
java -Xms512m -Xmx512m -jar "$JAR" --spring.config.additional-location="file:$HERE/gateway-bench.yml" \
  --server.port=8080 >"$WORK/gateway.log" 2>&1 & PIDS+=($!)
GW=$!
wait_for http://127.0.0.1:8090/
wait_for -H 'X-API-Key: probe' http://127.0.0.1:8080/limited/x

compiler_ticks() {
  local sum=0 task
  for task in /proc/"$GW"/task/*; do
    case "$(cat "$task/comm")" in C1*|C2*) sum=$((sum + $(awk '{print $14 + $15}' "$task/stat"))) ;; esac
  done
  echo "$sum"
}
seconds() { awk -v t="$1" -v hz="$HZ" 'BEGIN{printf "%.1f", t / hz}'; }

echo "| load (${DUR:-20} s each, in order) | req/s | compiler CPU (s) | gateway CPU (s) |"
echo "|---|---|---|---|"
for route in ${ROUTES:-limited limited limited open open limited open limited}; do
  c0=$(compiler_ticks); t0=$(ticks "$GW")
  rps=$(wrk -t2 -c64 -d"${DUR:-20}"s -s "$HERE/keys.lua" "http://127.0.0.1:8080/$route/x" | awk '/Requests\/sec/ {print $2}')
  c1=$(compiler_ticks); t1=$(ticks "$GW")
  echo "| $route | $rps | $(seconds $((c1 - c0))) | $(seconds $((t1 - t0))) |"
done
