#!/usr/bin/env bash
# Analytics topology throughput (exactly-once, one stream thread) and end-to-end lag.
# Usage: [JAVA_OPTS="-Dbench.warmup=1000000 -Dbench.commit.ms=1000 -Dbench.fsync=true"] [ONE_CORE=1] \
#        bench/analytics/run.sh [events=1000000] [partitions=2] [lagRate=10000] [lagSeconds=30]
# Starts its own Kafka broker (a child JVM, like the tests) and stops it at the end.
# ONE_CORE=1: the topology's JVM runs on CPU 1 only and the broker (its child JVM) on CPU 0 only, so the
# drain rate is what the topology sustains on one core (needs taskset, from util-linux).
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl analytics-streams test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="analytics-streams/target/test-classes:analytics-streams/target/classes:$(cat analytics-streams/target/bench.classpath)"
if [ "${ONE_CORE:-0}" != 1 ]; then
  exec java -Xmx1g ${JAVA_OPTS:-} -cp "$CP" io.limitguard.analytics.bench.StreamsThroughputBench "$@"
fi
taskset -c 1 java -Xmx1g ${JAVA_OPTS:-} -cp "$CP" io.limitguard.analytics.bench.StreamsThroughputBench "$@" &
BENCH=$!
# The broker is started by the bench and inherits its CPU; move it (every thread) to CPU 0 once it exists.
for _ in $(seq 1 600); do
  BROKER=$(pgrep -P "$BENCH" -f kafka.Kafka || true)
  if [ -n "$BROKER" ]; then
    taskset -a -p -c 0 "$BROKER" > /dev/null
    echo "broker pid $BROKER pinned to CPU 0; topology JVM pid $BENCH on CPU 1"
    break
  fi
  sleep 0.1
done
wait "$BENCH"
