#!/bin/bash
# apache/kafka's configuration convention, for the local stand-in image: every KAFKA_<NAME> variable
# becomes a server property (lower case, "_" -> ".", "__" -> "_", "___" -> "-"); the log is formatted
# with CLUSTER_ID on first start; then kafka.Kafka runs in the foreground.
set -euo pipefail
props=/opt/kafka/server.properties
: > "$props"
while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_LOG4J_OPTS) continue ;;
  esac
  key=$(printf '%s' "${name#KAFKA_}" | tr 'A-Z' 'a-z' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')
  printf '%s=%s\n' "$key" "$value" >> "$props"
done < <(env | grep '^KAFKA_' || true)

cat > /opt/kafka/logback.xml <<'XML'
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="OUT"/></root>
  <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
</configuration>
XML

# shellcheck disable=SC2206 # KAFKA_HEAP_OPTS holds several options
jvm=(${KAFKA_HEAP_OPTS:--Xmx512m} -XX:+UseSerialGC -Dlogback.configurationFile=/opt/kafka/logback.xml -Dkafka.logs.dir=/tmp)
log_dir=$(sed -n 's/^log\.dirs=//p' "$props")
if [ ! -f "${log_dir:-/var/lib/kafka/data}/meta.properties" ]; then
  java "${jvm[@]}" -Dloader.main=kafka.tools.StorageTool -jar /opt/kafka/kafka.jar \
       format -t "${CLUSTER_ID:?CLUSTER_ID is required}" -c "$props"
fi
# exec: the broker is PID 1 and gets SIGTERM from "docker-compose down" for a controlled shutdown
exec java "${jvm[@]}" -Dloader.main=kafka.Kafka -jar /opt/kafka/kafka.jar "$props"
