#!/usr/bin/env bash
# Does a dead Kafka slow the request path? Two identical LimitGuard gateways (limited route, decision
# events ON), one publishing to a live local broker, one whose bootstrap server is a dead port.
# Same Redis, same nginx upstream, wrk alternating rounds after a warm-up.
# Usage: bench/gateway/kafka-updown.sh   (env: WARMUP=30 DURATION=20 ROUNDS=3 CONNS=64 THREADS=2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/gateway"
WARMUP=${WARMUP:-30}; DURATION=${DURATION:-20}; ROUNDS=${ROUNDS:-3}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/lg-kbench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
GW_JAR=$(ls "$ROOT"/gateway-service/target/gateway-service-*.jar | grep -v original | head -1)

# A real broker from the kafka_2.13 jars (test-support's dependencies), KRaft, one node.
(cd "$ROOT" && ./mvnw -B -q -o dependency:build-classpath -pl test-support -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
CP=$(cat "$WORK/cp.txt")
cat > "$WORK/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9193
listeners=PLAINTEXT://127.0.0.1:9192,CONTROLLER://127.0.0.1:9193
advertised.listeners=PLAINTEXT://127.0.0.1:9192
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$WORK/kafka-data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
PROPS
java -cp "$CP" kafka.tools.StorageTool format -t "$(java -cp "$CP" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
  -c "$WORK/server.properties" > "$WORK/format.log" 2>&1
java -Xmx512m -cp "$CP" kafka.Kafka "$WORK/server.properties" > "$WORK/kafka.log" 2>&1 & PIDS+=($!)

redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
mkdir -p "$WORK"/{body,proxy,fastcgi,uwsgi,scgi}
sed "s#__WORK__#$WORK#g" "$HERE/nginx.conf" > "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)
for _ in $(seq 1 60); do (echo > /dev/tcp/127.0.0.1/9192) 2>/dev/null && break; sleep 1; done
GW_ARGS=(--spring.config.additional-location="file:$HERE/gateway-bench.yml" --limitguard.kafka.enabled=true)
java -Xms512m -Xmx512m -jar "$GW_JAR" "${GW_ARGS[@]}" --server.port=8080 --spring.kafka.bootstrap-servers=127.0.0.1:9192 \
  >"$WORK/gw-up.log" 2>&1 & PIDS+=($!)
java -Xms512m -Xmx512m -jar "$GW_JAR" "${GW_ARGS[@]}" --server.port=8081 --spring.kafka.bootstrap-servers=127.0.0.1:9 \
  >"$WORK/gw-down.log" 2>&1 & PIDS+=($!)
wait_for() { for _ in $(seq 1 120); do curl -fs -o /dev/null "$1" && return 0; sleep 1; done; echo "no answer from $1" >&2; exit 1; }
wait_for http://127.0.0.1:8080/limited/x; wait_for http://127.0.0.1:8081/limited/x

declare -A URL=([up]=http://127.0.0.1:8080/limited/x [down]=http://127.0.0.1:8081/limited/x)
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v+0} else {sub(/s$/,"",v); print v*1000} }'; }
run_wrk() {
  wrk -t"$THREADS" -c"$CONNS" -d"$2"s --latency -s "$HERE/keys.lua" "${URL[$1]}" > "$WORK/wrk.out"
  echo "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out") $(to_ms "$(awk '$1=="50%" {print $2}' "$WORK/wrk.out")") $(to_ms "$(awk '$1=="99%" {print $2}' "$WORK/wrk.out")")"
}
for t in up down; do run_wrk "$t" "$WARMUP" > /dev/null; done
for r in $(seq 1 "$ROUNDS"); do
  order="up down"; [ $((r % 2)) -eq 0 ] && order="down up"
  for t in $order; do read -r rps p50 p99 < <(run_wrk "$t" "$DURATION"); echo "round $r kafka-$t rps=$rps p50=${p50}ms p99=${p99}ms"; done
done
for port in 8080 8081; do
  echo "gateway :$port events:"; curl -s "http://127.0.0.1:$port/actuator/prometheus" | grep -E '^limitguard_events_(decisions|published|dropped)_total' || true
done
