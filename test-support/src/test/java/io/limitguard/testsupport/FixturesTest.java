package io.limitguard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class FixturesTest {

    private static String redis(RedisFixture redis, String command) throws Exception {
        try (Socket socket = new Socket(redis.host(), redis.port())) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[64];
            int n = in.read(buf);
            return new String(buf, 0, n, StandardCharsets.US_ASCII).trim();
        }
    }

    @Test
    void redisCanBeKilledFrozenAndRestartedEmptyOnTheSamePort() throws Exception {
        try (RedisFixture redis = RedisFixture.start()) {
            int port = redis.port();
            assertThat(redis(redis, "SET a 1")).isEqualTo("+OK");
            redis.freeze();
            try (Socket socket = new Socket(redis.host(), redis.port())) {
                socket.setSoTimeout(300);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readOrTimeout(socket)).isEqualTo("timeout");
            }
            redis.thaw();
            assertThat(redis(redis, "GET a")).isEqualTo("$1\r\n1");
            redis.kill();
            assertThat(Fixtures.accepts(port)).isFalse();
            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis(redis, "GET a")).isEqualTo("$-1");
        }
    }

    private static String readOrTimeout(Socket socket) {
        try {
            return socket.getInputStream().read() < 0 ? "eof" : "data";
        } catch (java.net.SocketTimeoutException e) {
            return "timeout";
        } catch (java.io.IOException e) {
            return "error";
        }
    }

    @Test
    void kafkaBrokerSurvivesKillAndRestartWithItsLog() {
        try (KafkaFixture kafka = KafkaFixture.start()) {
            produce(kafka, "before");
            kafka.killBroker(0);
            kafka.restartBroker(0);
            produce(kafka, "after");
            assertThat(consumeAll(kafka, 2)).containsExactly("before", "after");
        }
    }

    private static void produce(KafkaFixture kafka, String value) {
        try (var producer = new KafkaProducer<String, String>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("fixture-test", value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> consumeAll(KafkaFixture kafka, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "fixture-test");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("fixture-test"));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }
}
