#!/bin/sh
# Redis calls per request under a one-key flood, with and without the local over-limit cache
# (issue 8). Starts Redis, a static upstream (python3 http.server) and the gateway jar on free ports,
# floods one client key with wrk (most requests are over the limit), and divides the EVALSHA calls
# Redis counted (INFO commandstats) by the requests wrk completed. Variants alternate, fresh gateway
# each run, warm-up then measurement.
# Usage: [REFILL=50] bench/rules/flood.sh <gateway jar> [rounds] [warmup seconds] [measure seconds]
# (the rule: token bucket of capacity 100 refilled at REFILL per second)
set -eu
JAR=$1; ROUNDS=${2:-2}; WARM=${3:-10}; MEASURE=${4:-20}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RP=$(free_port); UP=$(free_port); GP=$(free_port)
WORK=$(mktemp -d)
redis-server --port "$RP" --save '' --appendonly no > "$WORK/redis.log" 2>&1 & REDIS=$!
(cd "$WORK" && echo ok > ok && exec python3 -m http.server "$UP" --bind 127.0.0.1 > "$WORK/upstream.log" 2>&1) & UPSTREAM=$!
GATEWAY=""
cleanup() { [ -n "$GATEWAY" ] && kill "$GATEWAY" 2>/dev/null; kill "$UPSTREAM" "$REDIS" 2>/dev/null; }
trap cleanup EXIT
cat > "$WORK/rules.yml" <<YAML
spring.cloud.gateway.server.webflux.routes:
  - { id: flood, uri: "http://127.0.0.1:$UP", predicates: [ "Path=/flood/**" ], filters: [ "SetPath=/ok" ] }
limitguard:
  rules:
    - id: flood
      routes: [flood]
      key: header:X-API-Key
      limits:
        - { name: bucket, algorithm: token-bucket, capacity: 100, refill-per-second: ${REFILL:-50} }
YAML
evalsha() { redis-cli -p "$RP" INFO commandstats | grep '^cmdstat_evalsha:' | sed 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/'; }
echo "variant          requests   evalsha   calls/request   req/s"
for round in $(seq 1 "$ROUNDS"); do
  for cache in false true; do
    java -jar "$JAR" --server.port="$GP" --limitguard.redis.uri="redis://127.0.0.1:$RP" \
      --spring.config.additional-location="file:$WORK/rules.yml" --limitguard.kafka.enabled=false \
      --limitguard.over-limit-cache.enabled=$cache > "$WORK/gateway-$cache.log" 2>&1 & GATEWAY=$!
    until curl -s -o /dev/null "http://127.0.0.1:$GP/actuator/health"; do sleep 0.5; done
    wrk -t2 -c32 -d"${WARM}s" -H 'X-API-Key: one' "http://127.0.0.1:$GP/flood/x" > /dev/null
    before=$(evalsha)
    out=$(wrk -t2 -c32 -d"${MEASURE}s" -H 'X-API-Key: one' "http://127.0.0.1:$GP/flood/x")
    after=$(evalsha)
    requests=$(echo "$out" | grep 'requests in' | awk '{print $1}')
    rps=$(echo "$out" | grep 'Requests/sec' | awk '{print $2}')
    calls=$((after - before))
    printf 'cache=%-6s %10s %9s %15s %9s\n' "$cache" "$requests" "$calls" \
      "$(python3 -c "print(f'{$calls/$requests:.4f}')")" "$rps"
    kill "$GATEWAY"; wait "$GATEWAY" 2>/dev/null || true; GATEWAY=""
  done
done
