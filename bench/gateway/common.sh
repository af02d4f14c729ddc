# Shared by run.sh and compare-builds.sh (source it after setting ROOT, HERE and WORK): process clean-up,
# the Redis and nginx they measure against, and the per-process CPU accounting.
for tool in wrk nginx redis-server redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (Debian: apt-get install wrk nginx-light redis-server redis-tools curl)" >&2; exit 1; }
done
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Redis on port 6390, no persistence; sets REDIS_PID.
start_redis() {
  redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
  REDIS_PID=$!
}

# The upstream: nginx on port 8090 answering every request with a small 200 (nginx.conf).
start_nginx() {
  mkdir -p "$WORK"/{body,proxy,fastcgi,uwsgi,scgi}
  sed "s#__WORK__#$WORK#g" "$HERE/nginx.conf" > "$WORK/nginx.conf"
  nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)
}

wait_for() { for _ in $(seq 1 120); do curl -fs -o /dev/null "$@" && return 0; sleep 1; done; echo "no answer from $*" >&2; exit 1; }

# CPU time (user + system, in clock ticks) a process has used so far: CPU per request is far less noisy
# than req/s on a shared 2-core machine, and it says which process pays for what.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# µs of CPU per request: ticks-used requests
cpu_per_request() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN{printf "%.1f", t * 1e6 / hz / n}'; }

# The whole machine's busy and total CPU time so far ("busy total", clock ticks, /proc/stat): a closed-loop
# load (wrk -c64) that leaves cores idle is bound by waiting (latency), not by CPU.
machine_ticks() { awk '/^cpu / {t=0; for (i=2; i<=9; i++) t+=$i; print t-$5-$6, t}' /proc/stat; }
# Percent of the machine idle between two machine_ticks readings: busy0 total0 busy1 total1
idle_percent() { awk -v b0="$1" -v t0="$2" -v b1="$3" -v t1="$4" 'BEGIN{printf "%.1f", 100 - 100 * (b1 - b0) / (t1 - t0)}'; }

to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v+0} else {sub(/s$/,"",v); print v*1000} }'; }
