#!/usr/bin/env bash
# Decisions/s with 1 vs 3 Redis shards, side by side, on one machine in one run:
#   one-redis - LimitGuard gateway on one Redis (limitguard.redis.uri)
#   cluster-3 - the same gateway on a Redis Cluster of 3 masters, no replicas (limitguard.redis.cluster.nodes)
# Same jar, same limited route of gateway-bench.yml (1000 keys, nothing blocked, on-failure closed), same
# nginx upstream, same wrk settings; warm-up first, then alternating rounds. Ports differ from run.sh
# (18180/18181 gateways, 18190 nginx, 16490 and 16491-16493 Redis) so both can share a machine.
# Usage: bench/gateway/shards.sh   (env: WARMUP=30 DURATION=20 ROUNDS=3 CONNS=64 THREADS=2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/gateway"
WARMUP=${WARMUP:-30}; DURATION=${DURATION:-20}; ROUNDS=${ROUNDS:-3}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/lg-shards.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

GW_JAR=$(ls "$ROOT"/gateway-service/target/gateway-service-*.jar | grep -v original | head -1)
JVM_OPTS=${JVM_OPTS:-"-Xms512m -Xmx512m"}
SINGLE=16490; NODES=(16491 16492 16493)

redis_at() { # port extra-args...
  local port=$1; shift
  mkdir -p "$WORK/redis-$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis-$port" "$@" \
    >"$WORK/redis-$port.log" 2>&1 & PIDS+=($!)
}
redis_at "$SINGLE"
for p in "${NODES[@]}"; do redis_at "$p" --cluster-enabled yes; done
for p in "$SINGLE" "${NODES[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create "${NODES[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >"$WORK/create.log"
for p in "${NODES[@]}"; do
  for _ in $(seq 1 100); do redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1; done
done

mkdir -p "$WORK"/{body,proxy,fastcgi,uwsgi,scgi}
sed -e "s#__WORK__#$WORK#g" -e "s#127.0.0.1:8090#127.0.0.1:18190#" "$HERE/nginx.conf" > "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)
# the routes of gateway-bench.yml with this script's upstream (a list is replaced whole, never merged)
R=--spring.cloud.gateway.server.webflux.routes
UPSTREAM=("$R[0].id=open" "$R[0].uri=http://127.0.0.1:18190" "$R[0].predicates[0]=Path=/open/**"
          "$R[1].id=limited" "$R[1].uri=http://127.0.0.1:18190" "$R[1].predicates[0]=Path=/limited/**")
java $JVM_OPTS -jar "$GW_JAR" --spring.config.additional-location="file:$HERE/gateway-bench.yml" "${UPSTREAM[@]}" \
  --server.port=18180 --limitguard.redis.uri=redis://127.0.0.1:$SINGLE >"$WORK/gateway-one.log" 2>&1 & PIDS+=($!)
CLUSTER_ARGS=()
for i in "${!NODES[@]}"; do CLUSTER_ARGS+=("--limitguard.redis.cluster.nodes[$i]=redis://127.0.0.1:${NODES[$i]}"); done
java $JVM_OPTS -jar "$GW_JAR" --spring.config.additional-location="file:$HERE/gateway-bench.yml" "${UPSTREAM[@]}" \
  --server.port=18181 "${CLUSTER_ARGS[@]}" >"$WORK/gateway-cluster.log" 2>&1 & PIDS+=($!)

wait_for() { for _ in $(seq 1 120); do curl -fs -o /dev/null -H 'X-API-Key: probe' "$1" && return 0; sleep 1; done; echo "no answer from $1" >&2; exit 1; }
declare -A URL=([one-redis]=http://127.0.0.1:18180/limited/x [cluster-3]=http://127.0.0.1:18181/limited/x)
for t in one-redis cluster-3; do
  wait_for "${URL[$t]}"
  curl -s -D - -o /dev/null -H 'X-API-Key: probe' "${URL[$t]}" | grep -qi '^ratelimit:' || { echo "$t: no RateLimit header" >&2; exit 1; }
done

to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v+0} else {sub(/s$/,"",v); print v*1000} }'; }
run_wrk() { # target seconds -> "rps p50ms p99ms"
  wrk -t"$THREADS" -c"$CONNS" -d"$2"s --latency -s "$HERE/keys.lua" "${URL[$1]}" > "$WORK/wrk.out"
  grep -q "Non-2xx" "$WORK/wrk.out" && { echo "$1: non-2xx responses:" >&2; cat "$WORK/wrk.out" >&2; }
  echo "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out") $(to_ms "$(awk '$1=="50%" {print $2}' "$WORK/wrk.out")") $(to_ms "$(awk '$1=="99%" {print $2}' "$WORK/wrk.out")")"
}
evalsha_calls() { # ports... -> "calls on each"
  for p in "$@"; do
    redis-cli -p "$p" INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\).*/\1/p' | awk '{printf "%s ", $1+0}'
  done
}

echo "warm-up: ${WARMUP}s per target" >&2
for t in one-redis cluster-3; do run_wrk "$t" "$WARMUP" > /dev/null; done

declare -A SUM_RPS SUM_P50 SUM_P99
orders=("one-redis cluster-3" "cluster-3 one-redis")
for r in $(seq 1 "$ROUNDS"); do
  for t in ${orders[$(( (r-1) % 2 ))]}; do
    for p in "$SINGLE" "${NODES[@]}"; do redis-cli -p "$p" CONFIG RESETSTAT > /dev/null; done
    read -r rps p50 p99 < <(run_wrk "$t" "$DURATION")
    if [ "$t" = one-redis ]; then calls=$(evalsha_calls "$SINGLE"); else calls=$(evalsha_calls "${NODES[@]}"); fi
    echo "round $r $t rps=$rps p50=${p50}ms p99=${p99}ms evalsha_calls_per_shard=[ ${calls}]"
    SUM_RPS[$t]=$(awk -v a="${SUM_RPS[$t]:-0}" -v b="$rps" 'BEGIN{print a+b}')
    SUM_P50[$t]=$(awk -v a="${SUM_P50[$t]:-0}" -v b="$p50" 'BEGIN{print a+b}')
    SUM_P99[$t]=$(awk -v a="${SUM_P99[$t]:-0}" -v b="$p99" 'BEGIN{print a+b}')
  done
done
echo
echo "| Redis | decisions/s (mean of $ROUNDS) | p50 ms | p99 ms |"
echo "|---|---|---|---|"
for t in one-redis cluster-3; do
  awk -v t="$t" -v n="$ROUNDS" -v r="${SUM_RPS[$t]}" -v a="${SUM_P50[$t]}" -v b="${SUM_P99[$t]}" \
    'BEGIN{printf "| %s | %.0f | %.2f | %.2f |\n", t, r/n, a/n, b/n}'
done
awk -v o="${SUM_RPS[one-redis]}" -v c="${SUM_RPS[cluster-3]}" 'BEGIN{printf "\nratio cluster-3/one-redis = %.2f\n", c/o}'
echo
echo "decisions by outcome (must be allowed only):"
for port in 18180 18181; do curl -s "http://127.0.0.1:$port/actuator/prometheus" | grep '^limitguard_decisions' || true; done
