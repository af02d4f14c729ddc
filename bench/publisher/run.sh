#!/bin/sh
# Decision-event publisher throughput (events/s, bytes/event on the wire): lz4 vs zstd vs
# lz4 + HMAC-hashed keys, alternating rounds after a 30 s warm-up. See docs/BENCHMARKS.md.
#   bench/publisher/run.sh                       # starts a local broker (KafkaFixture)
#   bench/publisher/run.sh host:9092 [secs] [rounds]
set -e
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl gateway-service test-compile
CP_FILE=$(mktemp)
./mvnw -B -q -pl gateway-service dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE"
java -Xmx1g -cp "gateway-service/target/test-classes:gateway-service/target/classes:$(cat "$CP_FILE")" \
  -Dlogback.configurationFile=test-support/src/test/resources/logback-test.xml \
  io.limitguard.gateway.events.PublisherThroughputBenchmark "${1:-}" "${2:-10}" "${3:-3}"
rm -f "$CP_FILE"
