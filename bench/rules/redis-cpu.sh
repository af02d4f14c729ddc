#!/bin/sh
# Redis CPU per limiter decision, per algorithm and for a 3-limit rule (issue 8).
# Starts its own redis-server on a free port, loads the script of each mix (bench/lua/assemble.sh: the
# same files, in the same order, as LimitScripts), drives EVALSHA with redis-benchmark over 100k random client keys (nothing
# blocked) and reads usec_per_call from INFO commandstats. Two rounds, algorithms alternating.
# Usage: bench/rules/redis-cpu.sh [requests-per-run]
set -eu
cd "$(dirname "$0")/../.."
N=${1:-200000}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --save '' --appendonly no --daemonize no > /tmp/lg-bench-redis.log 2>&1 &
REDIS=$!
trap 'kill $REDIS' EXIT
sleep 0.5
run() { # name, the mix's algorithm files (comma-separated), then the EVALSHA arguments after the sha
  name=$1; mix=$2; shift 2
  SHA=$(redis-cli -p "$PORT" SCRIPT LOAD "$(bench/lua/assemble.sh $(echo "$mix" | tr ',' ' '))")
  redis-cli -p "$PORT" CONFIG RESETSTAT > /dev/null
  rps=$(redis-benchmark -p "$PORT" -n "$N" -c 16 -r 100000 -q EVALSHA "$SHA" "$@" | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1)
  usec=$(redis-cli -p "$PORT" INFO commandstats | grep '^cmdstat_evalsha:' | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/')
  printf '%-28s %8s usec/call   %s\n' "$name" "$usec" "$rps"
}
for round in 1 2; do
  echo "round $round"
  run token-bucket   token_bucket 1 'lg:{b:__rand_int__}:l' 1 token-bucket 1 1000000 1000
  run gcra           gcra 1 'lg:{g:__rand_int__}:l' 1 gcra 1 1000 1000000
  run fixed-window   fixed_window 1 'lg:{f:__rand_int__}:l' 1 fixed-window 1 1000000 3600000
  run sliding-window sliding_window 1 'lg:{s:__rand_int__}:l' 1 sliding-window 1 1000000 60000
  run concurrency    concurrency 1 'lg:{c:__rand_int__}:l' 1 concurrency 1 1000000 60000 __rand_int__
  run 'gcra+fixed+concurrency' gcra,fixed_window,concurrency 3 'lg:{m:__rand_int__}:g' 'lg:{m:__rand_int__}:f' 'lg:{m:__rand_int__}:c' 3 \
      gcra 1 1000 1000000 fixed-window 1 1000000 3600000 concurrency 1 1000000 60000 __rand_int__
done
