package io.limitguard.analytics.streams;

import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts Kafka Streams once the context is ready and closes it on shutdown. A stream thread that
 * dies of an unexpected exception is replaced (its tasks are re-initialized from the last commit,
 * so exactly-once holds) instead of taking the instance down.
 */
public final class StreamsLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(StreamsLifecycle.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaStreams streams;
    private volatile boolean running;

    public StreamsLifecycle(KafkaStreams streams) {
        this.streams = streams;
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> log.info("Kafka Streams {} -> {}", before, now));
    }

    @Override
    public void start() {
        streams.start();
        running = true;
    }

    @Override
    public void stop() {
        streams.close(CLOSE_TIMEOUT);
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** After the web server (which starts in the default phase), so peers can reach us once we join. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }
}
