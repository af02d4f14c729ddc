#!/usr/bin/env bash
# End-to-end test of infra/docker-compose.yml on a machine without a Docker engine or an image registry
# (podman + docker-compose v1, see docs/OPERATIONS.md "Compose on podman"):
#   setup (idempotent) -> local images -> docker-compose up -> traffic through the gateway ->
#   blocked counts in the history API (analytics, and the dashboard over HTTPS) and on the dashboard's
#   SSE stream -> down. Exits non-zero on any failure, after printing the containers' logs.
# Needs root (apt-get, debootstrap, rootful podman) and the jars (built here if missing). ~10-15 min.
# Host ports are moved by 20000 (28080, 28443, ...) so a stack on the default ports is not disturbed; below
# Linux's ephemeral range (32768-60999), where an outgoing connection of any process may hold a port (seen
# once: 39092 "address already in use" on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/../.."

PROJECT=limitguard-e2e
export REDIS_PORT=${REDIS_PORT:-26379} KAFKA_PORT=${KAFKA_PORT:-29092} UPSTREAM_PORT=${UPSTREAM_PORT:-28090}
export ANALYTICS_PORT=${ANALYTICS_PORT:-28082} GATEWAY_PORT=${GATEWAY_PORT:-28080}
export GATEWAY_HTTPS_PORT=${GATEWAY_HTTPS_PORT:-28443} DASHBOARD_PORT=${DASHBOARD_PORT:-28081}
export DASHBOARD_HTTPS_PORT=${DASHBOARD_HTTPS_PORT:-28444} DASHBOARD_RSOCKET_PORT=${DASHBOARD_RSOCKET_PORT:-27081}
export COMPOSE_HTTP_TIMEOUT=600
CTR_DIR=${LIMITGUARD_CTR_DIR:-/var/tmp/limitguard-podman}
MODULES=(gateway-service analytics-streams dashboard-service dev-launcher)
START=$(date +%s)

log() { echo "[compose-e2e +$(( $(date +%s) - START ))s] $*"; }
fail() { echo "[compose-e2e] FAILED: $*" >&2; exit 1; }

# --- 0. the jars -------------------------------------------------------------------------------
for m in "${MODULES[@]}"; do
  compgen -G "$m/target/$m-*.jar" >/dev/null || { log "building the jars"; ./mvnw -B -q -DskipTests package; break; }
done

# --- 1. podman, docker-compose, the Debian base image --------------------------------------------
# shellcheck source=podman-setup.sh
. infra/e2e/podman-setup.sh

# --- 2. images ---------------------------------------------------------------------------------
CTX=$(mktemp -d /tmp/limitguard-e2e-ctx.XXXXXX)    # a small build context: the jars and two scripts
SERVICE_PID= LOOP_PID=
# Test settings for the gateway, in a third compose file (the stack itself stays as shipped):
# - a strict rule (5 requests per client, practically no refill), so the burst below is limited the
#   same way however slowly a loaded CI machine sends it (the demo rule refills 10/s);
# - a 2 s Redis time limit instead of the production 50 ms: on 2 cores running the whole stack a slow
#   limiter call would fail open (correctly), but this test is about counting blocked requests.
export LIMITGUARD_REDIS_TIMEOUT=2s   # read by infra/docker-compose.yml (an environment variable wins over files)
cat > "$CTX/e2e-rules.yml" <<'YML'
limitguard:
  rules:
    - id: e2e-strict
      routes: [demo]
      key: header:X-API-Key
      limits:
        - name: burst
          algorithm: token-bucket
          capacity: 5
          refill-per-second: 0.001
      on-failure: open
YML
cat > "$CTX/e2e.override.yml" <<YML
services:
  gateway:
    environment:
      SPRING_CONFIG_ADDITIONAL_LOCATION: file:/etc/limitguard/gateway.yml,file:/etc/limitguard/e2e-rules.yml
    volumes:
      - $CTX/e2e-rules.yml:/etc/limitguard/e2e-rules.yml:ro
YML
COMPOSE_FILES=(-f infra/docker-compose.yml -f infra/docker-compose.podman.yml -f "$CTX/e2e.override.yml")
compose() { docker-compose -p "$PROJECT" "${COMPOSE_FILES[@]}" "$@"; }

cleanup() {
  local rc=$?
  set +e
  if [ -n "$SERVICE_PID" ]; then
    if [ "$rc" -ne 0 ]; then
      echo "=============== container logs (last 80 lines each) ==============="
      compose ps
      compose logs --no-color --tail=80
    fi
    log "docker-compose down"
    compose down -v --timeout 30 >/dev/null 2>&1
    podman image prune -f >/dev/null 2>&1   # the previous build's images, untagged by this one's
  fi
  [ -z "$LOOP_PID" ] || { kill "$LOOP_PID"; wait "$LOOP_PID"; } 2>/dev/null
  [ -z "$SERVICE_PID" ] || { kill "$SERVICE_PID"; wait "$SERVICE_PID"; } 2>/dev/null
  rm -rf "$CTX"
  [ "$rc" -eq 0 ] && log "PASSED" || echo "[compose-e2e] exit $rc" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for m in "${MODULES[@]}"; do
  mkdir -p "$CTX/$m/target"
  cp "$m"/target/"$m"-*.jar "$CTX/$m/target/"
  rm -f "$CTX/$m/target/"*.original
done
mkdir -p "$CTX/infra/podman"
cp infra/healthcheck.sh "$CTX/infra/"
cp infra/podman/kafka-run.sh "$CTX/infra/podman/"

build() { # build <tag> <dockerfile> [build args...]
  local tag=$1 file=$2; shift 2
  log "image $tag"
  podman build -q --format docker -f "$file" "$@" -t "$tag" "$CTX" >/dev/null
}
podman image exists localhost/limitguard-jre:17 || build localhost/limitguard-jre:17 infra/podman/jre.Dockerfile
podman image exists localhost/limitguard-redis:7 || build localhost/limitguard-redis:7 infra/podman/redis.Dockerfile
build localhost/limitguard-kafka:4.1.2 infra/podman/kafka.Dockerfile
for m in gateway-service analytics-streams dashboard-service; do
  build "localhost/limitguard-$m:dev" infra/Dockerfile --build-arg BASE_IMAGE=localhost/limitguard-jre:17 --build-arg MODULE="$m"
done
build localhost/limitguard-demo-upstream:dev infra/Dockerfile --build-arg BASE_IMAGE=localhost/limitguard-jre:17 --build-arg MODULE=dev-launcher

# --- 3. podman's Docker API, and the health-check loop podman 4.3 lacks without systemd -----------
SOCK="$CTR_DIR/podman.sock"
rm -f "$SOCK"
podman system service --time=0 "unix://$SOCK" > "$CTR_DIR/podman-service.log" 2>&1 &
SERVICE_PID=$!
export DOCKER_HOST="unix://$SOCK"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.2; done
[ -S "$SOCK" ] || fail "podman system service did not open $SOCK"
(
  while :; do
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
      podman healthcheck run "$id" >/dev/null 2>&1 || true
    done
    sleep 2
  done
) &
LOOP_PID=$!

# --- 4. up ---------------------------------------------------------------------------------------
compose down -v --timeout 10 >/dev/null 2>&1 || true   # leftovers of an interrupted run
log "docker-compose up -d (waits for every health check)"
timeout 900 docker-compose -p "$PROJECT" "${COMPOSE_FILES[@]}" up -d \
  || fail "docker-compose up did not bring the stack up"
compose ps

await() { # await <seconds> <description> <command...>
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what: not within ${secs}s"
    sleep 2
  done
  log "$what"
}
await 300 "gateway healthy" curl -fsS "http://localhost:$GATEWAY_PORT/actuator/health"
await 300 "dashboard healthy" curl -fsS "http://localhost:$DASHBOARD_PORT/actuator/health"
await 300 "analytics healthy" curl -fsS "http://localhost:$ANALYTICS_PORT/actuator/health"

# --- 5. HTTPS: trust exactly the certificate the stack generated -------------------------------------
gateway_id=$(podman ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=gateway")
podman exec "$gateway_id" keytool -exportcert -rfc -alias limitguard -storepass limitguard \
  -keystore /var/lib/limitguard/tls/limitguard-self-signed.p12 > "$CTX/ca.pem" 2>/dev/null \
  || fail "no generated certificate in the gateway container"
await 60 "gateway HTTPS" curl -fsS --cacert "$CTX/ca.pem" "https://localhost:$GATEWAY_HTTPS_PORT/actuator/health"
await 60 "dashboard HTTPS" curl -fsS --cacert "$CTX/ca.pem" "https://localhost:$DASHBOARD_HTTPS_PORT/actuator/health"

# --- 6. traffic through the gateway: 60 requests at once for one client (bucket of 5, no refill) -------
FROM=$(date -u -d '-3 min' +%Y-%m-%dT%H:%M:00Z)
TO=$(date -u -d '+60 min' +%Y-%m-%dT%H:%M:00Z)
QUERY="block-rate?route=demo&from=$FROM&to=$TO&step=1m"
# The gateway never waits for Kafka (events it cannot hand over at once are dropped and counted), so
# the measured burst starts once a warm-up request has made it all the way into the counts.
events_flowing() {
  curl -s -o /dev/null -H "X-API-Key: warm-up" "http://localhost:$GATEWAY_PORT/demo/hello"
  curl -fsS "http://localhost:$ANALYTICS_PORT/api/v1/$QUERY" | jq -e '([.windows[].total] | add) > 0'
}
await 180 "events flowing: gateway -> Kafka -> analytics" events_flowing
KEY="compose-e2e-$RANDOM"
codes=$(seq 60 | xargs -P 30 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "X-API-Key: $KEY" \
  "http://localhost:$GATEWAY_PORT/demo/hello")
allowed=$(grep -c '^200$' <<<"$codes" || true)
blocked=$(grep -c '^429$' <<<"$codes" || true)
log "gateway answered $allowed x 200, $blocked x 429"
[ $((allowed + blocked)) -eq 60 ] || fail "unexpected status codes: $(sort <<<"$codes" | uniq -c | tr '\n' ' ')"
# 5 allowed and 55 blocked, give or take a limiter call that failed open (allowed, counted as such)
[ "$allowed" -ge 5 ] && [ "$blocked" -ge 50 ] || fail "expected 5 allowed and 55 blocked; route counts: \
$(curl -s "http://localhost:$ANALYTICS_PORT/api/v1/$QUERY" | jq -c '[.windows[] | select(.total > 0)]')"
https_code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CTX/ca.pem" -H "X-API-Key: $KEY" \
  "https://localhost:$GATEWAY_HTTPS_PORT/demo/hello")
[[ $https_code == 200 || $https_code == 429 ]] || fail "gateway over HTTPS answered $https_code"
[ "$https_code" = 429 ] && blocked=$((blocked + 1))

# --- 7. the history API: analytics directly, and through the dashboard over HTTPS --------------------
blocked_in() { curl -fsS "$@" | jq -e --argjson n "$blocked" '([.windows[].blocked] | add) >= $n'; }
await 180 "analytics history counts >= $blocked blocked" blocked_in "http://localhost:$ANALYTICS_PORT/api/v1/$QUERY"
await 60 "dashboard history (HTTPS) counts >= $blocked blocked" blocked_in --cacert "$CTX/ca.pem" \
  "https://localhost:$DASHBOARD_HTTPS_PORT/api/v1/history/$QUERY"
curl -fsS --cacert "$CTX/ca.pem" "https://localhost:$DASHBOARD_HTTPS_PORT/api/v1/history/top-blocked?from=$FROM&to=$TO" \
  | jq -e --arg k "$KEY" '[.keys[] | select(.blocked > 0)] | length > 0' >/dev/null \
  || fail "top-blocked shows no blocked key"

# --- 8. the dashboard's live stream over HTTPS --------------------------------------------------------
curl -sN --cacert "$CTX/ca.pem" --max-time 120 "https://localhost:$DASHBOARD_HTTPS_PORT/api/v1/stream?route=demo" \
  > "$CTX/sse.txt" 2>/dev/null &
SSE_PID=$!
live_blocked() {
  seq 40 | xargs -P 20 -I{} curl -s -o /dev/null -H "X-API-Key: $KEY" "http://localhost:$GATEWAY_PORT/demo/hello"
  grep '^data:' "$CTX/sse.txt" | sed 's/^data://' \
    | jq -e -s 'map(select(.dimension == "ROUTE" and .id == "demo" and .counts.blocked > 0)) | length > 0'
}
await 110 "dashboard SSE stream shows blocked counts" live_blocked
kill "$SSE_PID" 2>/dev/null || true
wait "$SSE_PID" 2>/dev/null || true
