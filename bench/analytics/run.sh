#!/usr/bin/env bash
# Analytics topology throughput (exactly-once, one stream thread) and end-to-end lag.
# Usage: [JAVA_OPTS="-Dbench.commit.ms=1000 -Dbench.fsync=true"] bench/analytics/run.sh [events=1000000] [partitions=2] [lagRate=10000] [lagSeconds=30]
# Starts its own Kafka broker (a child JVM, like the tests) and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -o -q -pl analytics-streams test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="analytics-streams/target/test-classes:analytics-streams/target/classes:$(cat analytics-streams/target/bench.classpath)"
exec java -Xmx1g ${JAVA_OPTS:-} -cp "$CP" io.limitguard.analytics.bench.StreamsThroughputBench "$@"
