package io.limitguard.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

class HttpsBootstrapTest {

    @TempDir
    Path dir;

    @Test
    void generatesACertificateOnFirstStartServesHttpsAndHttpAndReusesItOnTheNextStart() throws Exception {
        Path keystore = dir.resolve("state/tls/self-signed.p12");
        X509Certificate first;
        try (ConfigurableApplicationContext app = start("--limitguard.tls.https-port=0",
                "--limitguard.tls.self-signed.keystore=" + keystore,
                "--limitguard.tls.self-signed.hostnames=gateway,10.1.2.3")) {
            assertThat(keystore).isRegularFile();
            first = certificate(keystore, "limitguard");
            assertThat(first.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))))
                    .contains("localhost", "127.0.0.1", "gateway", "10.1.2.3");

            // HTTPS, trusting only the generated certificate, with host name verification on.
            HttpResponse<String> https = trusting(keystore).send(get("https://localhost:" + httpsPort(app) + "/hello"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(https.statusCode()).isEqualTo(200);
            assertThat(https.body()).isEqualTo("hello");
            assertThat(https.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(first);

            // The HTTP port keeps working.
            HttpResponse<String> http = HttpClient.newHttpClient().send(get("http://localhost:" + httpPort(app) + "/hello"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(http.body()).isEqualTo("hello");
        }

        byte[] before = Files.readAllBytes(keystore);
        try (ConfigurableApplicationContext app = start("--limitguard.tls.https-port=0",
                "--limitguard.tls.self-signed.keystore=" + keystore)) {
            assertThat(Files.readAllBytes(keystore)).isEqualTo(before);
            HttpResponse<String> https = trusting(keystore).send(get("https://localhost:" + httpsPort(app) + "/hello"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(https.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(first);
        }
    }

    @Test
    void aConfiguredBundleReplacesTheSelfSignedCertificate() throws Exception {
        Path own = dir.resolve("own.p12");
        SelfSignedKeyStore.ensure(own, "secret1", List.of());
        Path notGenerated = dir.resolve("generated.p12");
        try (ConfigurableApplicationContext app = start("--limitguard.tls.https-port=0",
                "--limitguard.tls.self-signed.keystore=" + notGenerated,
                "--spring.ssl.bundle.jks.limitguard.keystore.location=file:" + own,
                "--spring.ssl.bundle.jks.limitguard.keystore.password=secret1",
                "--spring.ssl.bundle.jks.limitguard.keystore.type=PKCS12")) {
            assertThat(notGenerated).doesNotExist();
            HttpResponse<String> https = trusting(own, "secret1").send(get("https://localhost:" + httpsPort(app) + "/hello"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(https.body()).isEqualTo("hello");
            assertThat(https.sslSession().orElseThrow().getPeerCertificates()[0])
                    .isEqualTo(certificate(own, "secret1"));
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
        Path keystore = dir.resolve("a.p12");
        Path other = dir.resolve("b.p12");
        SelfSignedKeyStore.ensure(other, "limitguard", List.of());
        try (ConfigurableApplicationContext app = start("--limitguard.tls.https-port=0",
                "--limitguard.tls.self-signed.keystore=" + keystore)) {
            assertThatThrownBy(() -> trusting(other).send(get("https://localhost:" + httpsPort(app) + "/hello"),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void withoutAnHttpsPortNothingIsGeneratedAndNoHttpsServerRuns() {
        Path keystore = dir.resolve("unused.p12");
        try (ConfigurableApplicationContext app = start("--limitguard.tls.self-signed.keystore=" + keystore)) {
            assertThat(keystore).doesNotExist();
            assertThat(app.getBeansOfType(AdditionalHttpsServer.class)).isEmpty();
        }
    }

    @Test
    void servicesStartingTogetherShareOneKeyStore() throws Exception {
        Path keystore = dir.resolve("shared/tls.p12");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                tasks.add(() -> SelfSignedKeyStore.ensure(keystore, "limitguard", List.of()));
            }
            List<Boolean> created = new ArrayList<>();
            for (Future<Boolean> f : pool.invokeAll(tasks)) {
                created.add(f.get());
            }
            assertThat(created).containsOnlyOnce(true);
            assertThat(certificate(keystore, "limitguard")).isNotNull();
            try (var files = Files.list(keystore.getParent())) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("tls.p12", "tls.p12.lock");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anInvalidPortStopsStartUpNamingTheField() {
        assertThatThrownBy(() -> start("--limitguard.tls.https-port=70000",
                "--limitguard.tls.self-signed.keystore=" + dir.resolve("x.p12")))
                .hasStackTraceContaining("limitguard.tls");
    }

    @Test
    void aMisspeltNameStopsStartUpNamingIt() {
        assertThatThrownBy(() -> start("--limitguard.tls.https-prot=8443"))
                .hasStackTraceContaining("limitguard.tls.https-prot");
        assertThatThrownBy(() -> start("--limitguard.tls.self-signed.keystor=x.p12"))
                .hasStackTraceContaining("limitguard.tls.self-signed.keystor");
    }

    private static ConfigurableApplicationContext start(String... args) {
        List<String> all = new ArrayList<>(List.of("--server.port=0", "--spring.main.banner-mode=off"));
        all.addAll(List.of(args));
        return new SpringApplicationBuilder(HelloApp.class).run(all.toArray(String[]::new));
    }

    private static int httpsPort(ConfigurableApplicationContext app) {
        return app.getBean(AdditionalHttpsServer.class).getPort();
    }

    private static int httpPort(ConfigurableApplicationContext app) {
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    private static HttpRequest get(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).build();
    }

    private static X509Certificate certificate(Path keystore, String password) throws Exception {
        return (X509Certificate) load(keystore, password).getCertificate(SelfSignedKeyStore.ALIAS);
    }

    private static KeyStore load(Path keystore, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    private static HttpClient trusting(Path keystore) throws Exception {
        return trusting(keystore, "limitguard");
    }

    private static HttpClient trusting(Path keystore, String password) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate(keystore, password));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).build();
    }

    @SpringBootApplication
    static class HelloApp {
        @Bean
        RouterFunction<ServerResponse> hello() {
            return RouterFunctions.route().GET("/hello", r -> ServerResponse.ok().bodyValue("hello")).build();
        }
    }
}
