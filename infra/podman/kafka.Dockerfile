# Stand-in for apache/kafka:4.1.2: the same Kafka 4.1.2 broker (the kafka_2.13 jars inside the dev-launcher
# jar), configured from the same KAFKA_* environment variables by kafka-run.sh.
ARG BASE_IMAGE=localhost/limitguard-jre:17
FROM ${BASE_IMAGE}
COPY dev-launcher/target/dev-launcher-*.jar /opt/kafka/kafka.jar
COPY infra/podman/kafka-run.sh /opt/kafka/run
RUN mkdir -p /var/lib/kafka/data
EXPOSE 9092 9093
ENTRYPOINT ["/opt/kafka/run"]
