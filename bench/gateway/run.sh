#!/usr/bin/env bash
# Side-by-side gateway benchmark on one machine, in one run:
#   open    - LimitGuard gateway, route without limiting
#   limited - LimitGuard gateway, route with the LimitGuard limiter (1000 keys, nothing blocked)
#   scg     - stock Spring Cloud Gateway with its RequestRateLimiter/RedisRateLimiter (bench/scg-peer)
#   scg-open - the same SCG app, route without limiting (the baseline of SCG's own limiter)
# Same nginx upstream, same Redis, same wrk settings; warm-up first, then alternating rounds.
# Usage: bench/gateway/run.sh   (env: WARMUP=60 DURATION=20 ROUNDS=4 CONNS=64 THREADS=2; 4 rounds = each of the 4 orders once;
#   PEER_METRICS=off|on: off (default) runs the SCG peer without per-request metrics, as stock SCG without
#   Actuator; on gives it the ones our gateway has by default: Boot's http.server.requests observation, SCG's
#   observation of the upstream call and its spring.cloud.gateway.requests timer;
#   PEER_IO_URING=off|on: on puts the io_uring transport our gateway ships with (its two Netty jars, taken
#   from the gateway's jar) on the SCG peer's class path too, so that both run on io_uring; off (default):
#   stock SCG, on epoll)
# (60 s per target: our gateway's JIT needs about 100 s of load to settle, see bench/gateway/jit-warmup.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/gateway"
WARMUP=${WARMUP:-60}; DURATION=${DURATION:-20}; ROUNDS=${ROUNDS:-4}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/lg-bench.XXXXXX)
source "$HERE/common.sh"

GW_JAR=$(ls "$ROOT"/gateway-service/target/gateway-service-*.jar | grep -v original | head -1)
SCG_JAR=$(ls "$ROOT"/bench/scg-peer/target/scg-peer-*.jar | grep -v original | head -1)
JVM_OPTS=${JVM_OPTS:-"-Xms512m -Xmx512m"}

start_redis
start_nginx
java $JVM_OPTS -jar "$GW_JAR" --spring.config.additional-location="file:$HERE/gateway-bench.yml" >"$WORK/gateway.log" 2>&1 & PIDS+=($!)
GW_PID=$!
case "${PEER_METRICS:-off}" in
  on) PEER_ARGS=() ;;
  off) PEER_ARGS=(--management.observations.enable.http=false --spring.cloud.gateway.server.webflux.observability.enabled=false
         --spring.cloud.gateway.server.webflux.metrics.enabled=false) ;;
  *) echo "PEER_METRICS must be on or off" >&2; exit 2 ;;
esac
echo "SCG peer per-request metrics: ${PEER_METRICS:-off}" >&2
case "${PEER_IO_URING:-off}" in
  on) mkdir -p "$WORK/peer-lib"
      (cd "$WORK/peer-lib" && unzip -q -j "$GW_JAR" 'BOOT-INF/lib/netty-transport-*io_uring*.jar')
      PEER_LAUNCH=(-Dloader.path="$WORK/peer-lib" -cp "$SCG_JAR" org.springframework.boot.loader.launch.PropertiesLauncher) ;;
  off) PEER_LAUNCH=(-jar "$SCG_JAR") ;;
  *) echo "PEER_IO_URING must be on or off" >&2; exit 2 ;;
esac
echo "SCG peer io_uring: ${PEER_IO_URING:-off}" >&2
java $JVM_OPTS "${PEER_LAUNCH[@]}" "${PEER_ARGS[@]}" >"$WORK/scg.log" 2>&1 & PIDS+=($!)
SCG_PID=$!
declare -A SERVER=([open]=$GW_PID [limited]=$GW_PID [scg]=$SCG_PID [scg-open]=$SCG_PID)

wait_for http://127.0.0.1:8090/
wait_for http://127.0.0.1:8080/open/x
wait_for http://127.0.0.1:8080/limited/x
wait_for http://127.0.0.1:8085/scg/x
wait_for http://127.0.0.1:8085/scg-open/x
curl -s -D - -o /dev/null -H 'X-API-Key: probe' http://127.0.0.1:8080/limited/x | grep -i '^ratelimit' >&2 || { echo "limited route sends no RateLimit headers" >&2; exit 1; }
# the transport each server's event loops run on (their threads are named reactor-http-<transport>-<n>)
transport() { jcmd "$1" Thread.print 2>/dev/null | grep -o 'reactor-http-[a-z_]*' | sed 's/reactor-http-//' | sort -u | tr '\n' ' '; }
echo "HTTP transport: gateway $(transport "$GW_PID"), SCG peer $(transport "$SCG_PID")" >&2

declare -A URL=([open]=http://127.0.0.1:8080/open/x [limited]=http://127.0.0.1:8080/limited/x [scg]=http://127.0.0.1:8085/scg/x
  [scg-open]=http://127.0.0.1:8085/scg-open/x)

run_wrk() { # target seconds -> "rps p50ms p99ms server_cpu_us_per_req redis_cpu_us_per_req"
  local s0 r0 s1 r1
  s0=$(ticks "${SERVER[$1]}"); r0=$(ticks "$REDIS_PID")
  wrk -t"$THREADS" -c"$CONNS" -d"$2"s --latency -s "$HERE/keys.lua" "${URL[$1]}" > "$WORK/wrk.out"
  s1=$(ticks "${SERVER[$1]}"); r1=$(ticks "$REDIS_PID")
  local rps p50 p99 n
  n=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk.out")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.out")
  grep -q "Non-2xx" "$WORK/wrk.out" && { echo "$1: non-2xx responses:" >&2; cat "$WORK/wrk.out" >&2; }
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $(cpu_per_request $((s1 - s0)) "$n") $(cpu_per_request $((r1 - r0)) "$n") $n"
}

echo "warm-up: ${WARMUP}s per target" >&2
for t in open limited scg scg-open; do run_wrk "$t" "$WARMUP" > /dev/null; done

declare -A SUM_RPS SUM_P50 SUM_P99 REDIS_US SUM_SCPU SUM_RCPU
orders=("open limited scg scg-open" "scg-open scg limited open" "limited open scg-open scg" "scg open scg-open limited")
for r in $(seq 1 "$ROUNDS"); do
  for t in ${orders[$(( (r-1) % 4 ))]}; do
    redis-cli -p 6390 CONFIG RESETSTAT > /dev/null
    read -r rps p50 p99 scpu rcpu n < <(run_wrk "$t" "$DURATION")
    # EVALSHA calls, and µs Redis spent in EVALSHA per request (LimitGuard decides several requests per call under load)
    read -r calls usec < <(redis-cli -p 6390 INFO commandstats | tr -d '\r' \
      | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2/p'; echo)
    us=$(awk -v u="${usec:-0}" -v n="$n" 'BEGIN{printf "%.1f", u / n}')
    echo "round $r $t rps=$rps p50=${p50}ms p99=${p99}ms evalsha_calls=${calls:-0} requests=$n evalsha_usec_per_request=${us:-0} server_cpu_us/req=$scpu redis_cpu_us/req=$rcpu"
    SUM_SCPU[$t]=$(awk -v a="${SUM_SCPU[$t]:-0}" -v b="$scpu" 'BEGIN{print a+b}')
    SUM_RCPU[$t]=$(awk -v a="${SUM_RCPU[$t]:-0}" -v b="$rcpu" 'BEGIN{print a+b}')
    SUM_RPS[$t]=$(awk -v a="${SUM_RPS[$t]:-0}" -v b="$rps" 'BEGIN{print a+b}')
    SUM_P50[$t]=$(awk -v a="${SUM_P50[$t]:-0}" -v b="$p50" 'BEGIN{print a+b}')
    SUM_P99[$t]=$(awk -v a="${SUM_P99[$t]:-0}" -v b="$p99" 'BEGIN{print a+b}')
    REDIS_US[$t]="${REDIS_US[$t]:-} ${us:-0}"
  done
done
echo
echo "| target | req/s (mean of $ROUNDS) | p50 ms | p99 ms | Redis µs in EVALSHA per request | server CPU µs/req | Redis CPU µs/req |"
echo "|---|---|---|---|---|---|---|"
for t in open limited scg scg-open; do
  awk -v t="$t" -v n="$ROUNDS" -v r="${SUM_RPS[$t]}" -v a="${SUM_P50[$t]}" -v b="${SUM_P99[$t]}" -v u="${REDIS_US[$t]}" \
    -v sc="${SUM_SCPU[$t]}" -v rc="${SUM_RCPU[$t]}" \
    'BEGIN{printf "| %s | %.0f | %.2f | %.2f | %s | %.1f | %.1f |\n", t, r/n, a/n, b/n, u, sc/n, rc/n}'
done
awk -v o="${SUM_RPS[open]}" -v l="${SUM_RPS[limited]}" -v s="${SUM_RPS[scg]}" -v so="${SUM_RPS[scg-open]}" \
  'BEGIN{printf "\nratio limited/open = %.2f, limited/scg = %.2f, scg/scg-open = %.2f, open/scg-open = %.2f\n", l/o, l/s, s/so, o/so}'
echo
echo "gateway decisions by outcome (must be allowed only):"
curl -s http://127.0.0.1:8080/actuator/prometheus | grep '^limitguard_decisions' || true
