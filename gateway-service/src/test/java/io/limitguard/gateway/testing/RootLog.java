package io.limitguard.gateway.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The events the root logger gets while this is attached: for tests of what a client can make the gateway log.
 * Attach it once the gateway has started: Spring Boot sets logging up again when an application starts.
 */
public final class RootLog implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private RootLog() {
    }

    public static RootLog attach() {
        RootLog log = new RootLog();
        log.appender.start();
        root().addAppender(log.appender);
        return log;
    }

    /** What was logged so far, in order. */
    public List<ILoggingEvent> events() {
        synchronized (appender) { // the lock logback takes to append
            return List.copyOf(appender.list);
        }
    }

    /** What was logged so far at {@code level} or above, in order. */
    public List<ILoggingEvent> atLeast(Level level) {
        return events().stream().filter(event -> event.getLevel().isGreaterOrEqual(level)).toList();
    }

    public void clear() {
        synchronized (appender) {
            appender.list.clear();
        }
    }

    @Override
    public void close() {
        root().detachAppender(appender);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
