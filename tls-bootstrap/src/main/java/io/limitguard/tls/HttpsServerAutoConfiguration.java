package io.limitguard.tls;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.http.server.reactive.HttpHandler;

/** Starts the HTTPS port of a WebFlux service when {@code limitguard.tls.https-port} is set. */
@AutoConfiguration(after = SslAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(NettyReactiveWebServerFactory.class)
@ConditionalOnProperty("limitguard.tls.https-port")
@EnableConfigurationProperties(TlsProperties.class)
public class HttpsServerAutoConfiguration {

    @Bean
    AdditionalHttpsServer limitguardHttpsServer(HttpHandler httpHandler, SslBundles sslBundles,
                                                TlsProperties properties,
                                                ObjectProvider<NettyServerCustomizer> customizers) {
        return new AdditionalHttpsServer(httpHandler, sslBundles, properties, customizers.orderedStream().toList());
    }
}
