package io.limitguard.tls;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * HTTPS settings shared by the gateway and the dashboard (prefix {@code limitguard.tls}).
 *
 * @param httpsPort  port of the HTTPS server started next to the application's HTTP port; {@code null}
 *                   (the default) serves no extra HTTPS port, {@code 0} picks a free one
 * @param bundle     the Spring Boot SSL bundle the HTTPS port uses; configure
 *                   {@code spring.ssl.bundle.(jks|pem).<bundle>.*} to bring your own certificate
 * @param selfSigned where the generated certificate lives when the bundle is not configured
 */
@ConfigurationProperties("limitguard.tls")
public record TlsProperties(Integer httpsPort, @DefaultValue("limitguard") String bundle,
                            @DefaultValue SelfSigned selfSigned) {

    public TlsProperties {
        if (httpsPort != null && (httpsPort < 0 || httpsPort > 65535)) {
            throw new IllegalArgumentException("limitguard.tls.https-port must be 0..65535, was " + httpsPort);
        }
        if (bundle == null || bundle.isBlank()) {
            throw new IllegalArgumentException("limitguard.tls.bundle must not be blank");
        }
    }

    /**
     * @param keystore  PKCS12 file, generated on first start and reused afterwards
     * @param password  its store and key password (a self-signed certificate protects nothing secret;
     *                  use your own certificate for anything public)
     * @param hostnames extra DNS names / IP addresses for the certificate, besides localhost, 127.0.0.1,
     *                  ::1 and this machine's host name
     */
    public record SelfSigned(@DefaultValue(".limitguard/tls/limitguard-self-signed.p12") Path keystore,
                             @DefaultValue("limitguard") String password,
                             @DefaultValue List<String> hostnames) {
    }
}
