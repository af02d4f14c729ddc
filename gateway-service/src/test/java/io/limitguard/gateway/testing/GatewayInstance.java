package io.limitguard.gateway.testing;

import io.limitguard.gateway.GatewayApplication;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A whole gateway application (real Netty server on a random port) started from properties. */
public final class GatewayInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private GatewayInstance(ConfigurableApplicationContext context) {
        this.context = context;
    }

    public static GatewayInstance start(Map<String, Object> properties, Class<?>... extraSources) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("server.port", "0");
        all.put("limitguard.kafka.enabled", "false");
        all.put("spring.main.banner-mode", "off");
        all.putAll(properties);
        // As command-line arguments: they override application.yml (default properties would not).
        String[] args = all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new GatewayInstance(new SpringApplicationBuilder(GatewayApplication.class).sources(extraSources).run(args));
    }

    public int port() {
        return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
