package io.limitguard.gateway.testing;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** TLS sockets to a gateway's HTTPS port that take its self-signed certificate (what the tests test is not TLS). */
public final class TlsSockets {

    private TlsSockets() {
    }

    public static SSLSocket connect(int port) throws IOException, GeneralSecurityException {
        return (SSLSocket) anyCertificate().getSocketFactory().createSocket("127.0.0.1", port);
    }

    /** TLS over a connection made already (e.g. with a small receive buffer); closing it closes {@code plain}. */
    public static SSLSocket over(Socket plain) throws IOException, GeneralSecurityException {
        return (SSLSocket) anyCertificate().getSocketFactory().createSocket(plain, "127.0.0.1", plain.getPort(), true);
    }

    private static SSLContext anyCertificate() throws GeneralSecurityException {
        TrustManager anyCertificate = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {anyCertificate}, null);
        return context;
    }
}
