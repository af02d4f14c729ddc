#!/usr/bin/env bash
# Two builds of the LimitGuard gateway side by side, in one run: each serves the open and the limited
# route of gateway-bench.yml (A on port 8080, B on 8081), same Redis, same nginx upstream, same wrk
# settings; warm-up first, then rounds in rotating order. Reports req/s, p99 and CPU per request of the
# gateway and of Redis, and the ratios. Use it to decide whether a change to the request path pays:
# the CPU per request says it even when the machine's noise moves req/s by ±20 % between rounds.
# Not at the same time as run.sh (same ports).
# Usage: bench/gateway/compare-builds.sh A.jar B.jar
#   env: WARMUP=60 DURATION=15 ROUNDS=4 CONNS=64 THREADS=2, JAVA_A/JAVA_B (extra JVM options per build)
set -euo pipefail
[ $# -eq 2 ] || { sed -n 2,10p "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/gateway"
WARMUP=${WARMUP:-60}; DURATION=${DURATION:-15}; ROUNDS=${ROUNDS:-4}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/lg-compare.XXXXXX)
source "$HERE/common.sh"

start_redis
start_nginx
java -Xms512m -Xmx512m ${JAVA_A:-} -jar "$1" --spring.config.additional-location="file:$HERE/gateway-bench.yml" \
  --server.port=8080 >"$WORK/a.log" 2>&1 & PIDS+=($!)
A_PID=$!
java -Xms512m -Xmx512m ${JAVA_B:-} -jar "$2" --spring.config.additional-location="file:$HERE/gateway-bench.yml" \
  --server.port=8081 >"$WORK/b.log" 2>&1 & PIDS+=($!)
B_PID=$!
wait_for http://127.0.0.1:8090/
wait_for -H 'X-API-Key: probe' http://127.0.0.1:8080/limited/x
wait_for -H 'X-API-Key: probe' http://127.0.0.1:8081/limited/x

declare -A URL=([A-open]=http://127.0.0.1:8080/open/x [A-limited]=http://127.0.0.1:8080/limited/x
  [B-open]=http://127.0.0.1:8081/open/x [B-limited]=http://127.0.0.1:8081/limited/x)
declare -A SERVER=([A-open]=$A_PID [A-limited]=$A_PID [B-open]=$B_PID [B-limited]=$B_PID)

run_wrk() { # target seconds -> "rps p99ms gateway_cpu_us_per_req redis_cpu_us_per_req machine_idle_percent"
  local s0 r0 s1 r1 n rps p99 m0 m1
  s0=$(ticks "${SERVER[$1]}"); r0=$(ticks "$REDIS_PID"); m0=$(machine_ticks)
  wrk -t"$THREADS" -c"$CONNS" -d"$2"s --latency -s "$HERE/keys.lua" "${URL[$1]}" > "$WORK/wrk.out"
  s1=$(ticks "${SERVER[$1]}"); r1=$(ticks "$REDIS_PID"); m1=$(machine_ticks)
  grep -q "Non-2xx" "$WORK/wrk.out" && { echo "$1: non-2xx responses:" >&2; cat "$WORK/wrk.out" >&2; }
  n=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.out")
  echo "$rps $(to_ms "$p99") $(cpu_per_request $((s1 - s0)) "$n") $(cpu_per_request $((r1 - r0)) "$n") $(idle_percent $m0 $m1)"
}

echo "warm-up: ${WARMUP}s per target" >&2
for t in A-open A-limited B-open B-limited; do run_wrk "$t" "$WARMUP" > /dev/null; done

declare -A SUM_RPS SUM_GCPU SUM_RCPU
orders=("A-open A-limited B-open B-limited" "B-limited B-open A-limited A-open" "A-limited A-open B-limited B-open"
  "B-open B-limited A-open A-limited")
add() { awk -v a="${1:-0}" -v b="$2" 'BEGIN{print a+b}'; }
for r in $(seq 1 "$ROUNDS"); do
  for t in ${orders[$(( (r-1) % 4 ))]}; do
    read -r rps p99 gcpu rcpu idle < <(run_wrk "$t" "$DURATION")
    echo "round $r $t rps=$rps p99=${p99}ms gateway_cpu_us/req=$gcpu redis_cpu_us/req=$rcpu machine_idle=${idle}%"
    SUM_RPS[$t]=$(add "${SUM_RPS[$t]:-}" "$rps"); SUM_GCPU[$t]=$(add "${SUM_GCPU[$t]:-}" "$gcpu")
    SUM_RCPU[$t]=$(add "${SUM_RCPU[$t]:-}" "$rcpu")
  done
done
echo
echo "| target | req/s (mean of $ROUNDS) | gateway CPU µs/req | Redis CPU µs/req |"
echo "|---|---|---|---|"
for t in A-open A-limited B-open B-limited; do
  awk -v t="$t" -v n="$ROUNDS" -v r="${SUM_RPS[$t]}" -v g="${SUM_GCPU[$t]}" -v c="${SUM_RCPU[$t]}" \
    'BEGIN{printf "| %s | %.0f | %.1f | %.1f |\n", t, r/n, g/n, c/n}'
done
awk -v ao="${SUM_RPS[A-open]}" -v al="${SUM_RPS[A-limited]}" -v bo="${SUM_RPS[B-open]}" -v bl="${SUM_RPS[B-limited]}" \
  'BEGIN{printf "\nratio limited/open: A %.2f, B %.2f; B/A limited %.3f\n", al/ao, bl/bo, bl/al}'
