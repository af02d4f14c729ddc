#!/usr/bin/env bash
# How many decisions a freshly started gateway fails open in its first seconds (docs/OPERATIONS.md, "Rolling
# restarts"): Redis and nginx as in run.sh, the gateway with bench/gateway/gateway-bench.yml but on-failure open,
# then, from the moment /actuator/health/readiness answers, RATE requests/s on 4 kept-alive connections for
# SECONDS (paced-client.py), and the decisions by outcome.
#   bench/gateway/startup.sh [gateway.jar]     env: TIMEOUT (limitguard.redis.timeout, 50ms), RATE (200),
#                                               SECONDS_OF_LOAD (8), HOGS (busy-looping processes besides, 0)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
JAR=${1:-$(ls "$ROOT"/gateway-service/target/gateway-service-*.jar | grep -v original | head -1)}
WORK=$(mktemp -d /tmp/lg-startup.XXXXXX)
source "$HERE/common.sh"
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }

sed 's/on-failure: closed/on-failure: open/' "$HERE/gateway-bench.yml" > "$WORK/gateway.yml"
start_redis
start_nginx
for _ in $(seq 1 "${HOGS:-0}"); do (while :; do :; done) & PIDS+=($!); done
java -Xms512m -Xmx512m -jar "$JAR" --spring.config.additional-location="file:$WORK/gateway.yml" \
  --limitguard.redis.timeout="${TIMEOUT:-50ms}" >"$WORK/gateway.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 1200); do curl -fs -o /dev/null localhost:8080/actuator/health/readiness && break; sleep 0.05; done
echo "ready; timeout ${TIMEOUT:-50ms}, ${RATE:-200} req/s for ${SECONDS_OF_LOAD:-8} s, ${HOGS:-0} busy processes besides"
python3 "$HERE/paced-client.py" "${RATE:-200}" "${SECONDS_OF_LOAD:-8}" 8080
curl -fs localhost:8080/actuator/prometheus | grep -E '^limitguard_(decisions_total|redis_timeouts_total)'
