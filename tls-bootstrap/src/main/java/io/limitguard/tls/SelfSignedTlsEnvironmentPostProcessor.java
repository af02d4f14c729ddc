package io.limitguard.tls;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * When the application serves HTTPS ({@code limitguard.tls.https-port} set) and nobody configured the
 * SSL bundle it uses, generates a self-signed certificate (once, kept for later starts) and defines
 * the bundle on it. A user's own {@code spring.ssl.bundle.jks.<bundle>.*} or
 * {@code spring.ssl.bundle.pem.<bundle>.*} always wins: then nothing is generated.
 */
public class SelfSignedTlsEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String PROPERTY_SOURCE = "limitguardSelfSignedTls";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Binder binder = Binder.get(environment);
        // Bound here in every service that has this module, HTTPS or not, so this is where a misspelt name
        // (limitguard.tls.https-prot) stops start-up, as Spring Boot's ignoreUnknownFields = false would: the record's
        // own binding happens only when https-port is set, and a misspelt https-port would leave HTTPS off without a
        // word. Files and command line only, not environment variables (Spring Boot's choice for that check too).
        TlsProperties tls = binder.bindOrCreate("limitguard.tls", Bindable.of(TlsProperties.class),
                new NoUnboundElementsBindHandler(BindHandler.DEFAULT, new UnboundElementsSourceFilter()));
        if (tls.httpsPort() == null || userConfiguredBundle(binder, tls.bundle())) {
            return;
        }
        TlsProperties.SelfSigned selfSigned = tls.selfSigned();
        SelfSignedKeyStore.ensure(selfSigned.keystore(), selfSigned.password(), selfSigned.hostnames());
        String prefix = "spring.ssl.bundle.jks." + tls.bundle() + ".";
        Map<String, Object> bundle = new LinkedHashMap<>();
        bundle.put(prefix + "keystore.location", "file:" + selfSigned.keystore().toAbsolutePath());
        bundle.put(prefix + "keystore.password", selfSigned.password());
        bundle.put(prefix + "keystore.type", "PKCS12");
        bundle.put(prefix + "key.alias", SelfSignedKeyStore.ALIAS);
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE, bundle));
    }

    private static boolean userConfiguredBundle(Binder binder, String bundle) {
        return binder.bind("spring.ssl.bundle.jks." + bundle, Bindable.mapOf(String.class, Object.class)).isBound()
                || binder.bind("spring.ssl.bundle.pem." + bundle, Bindable.mapOf(String.class, Object.class)).isBound();
    }
}
