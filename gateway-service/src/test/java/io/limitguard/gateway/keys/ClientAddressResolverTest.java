package io.limitguard.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.limitguard.gateway.config.Cidr;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class ClientAddressResolverTest {

    private static final List<Cidr> PROXIES = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128"));

    private final ClientAddressResolver resolver = new ClientAddressResolver(PROXIES, 64);

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() {
        assertThat(resolve("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
    }

    @Test
    void aTrustedProxyIsBelievedUpToTheFirstUntrustedHop() {
        assertThat(resolve("10.1.2.3", "198.51.100.7")).isEqualTo("198.51.100.7");
        // the client forged the left-most entry; the right-most untrusted hop is what the proxy saw
        assertThat(resolve("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9")).isEqualTo("198.51.100.7");
        assertThat(resolve("::1", "2001:db8::5")).isEqualTo("2001:db8:0:0:0:0:0:0/64");
    }

    @Test
    void garbageOrHostNamesAreNeverLookedUpOrBelieved() {
        assertThat(resolve("10.1.2.3", "evil.example.com")).isEqualTo("10.1.2.3");
        assertThat(resolve("10.1.2.3", "not an address, 10.0.0.9")).isEqualTo("10.0.0.9");
        assertThat(resolve("10.1.2.3", "")).isEqualTo("10.1.2.3");
    }

    @Test
    void cidrMatchesByPrefix() {
        Cidr net = Cidr.parse("192.168.4.0/22");
        assertThat(net.contains(new InetSocketAddress("192.168.7.255", 0).getAddress())).isTrue();
        assertThat(net.contains(new InetSocketAddress("192.168.8.0", 0).getAddress())).isFalse();
        assertThat(net.contains(new InetSocketAddress("::1", 0).getAddress())).isFalse();
    }

    @Test
    void keysAreBoundedAndHashedWhenOdd() {
        KeyBounds bounds = new KeyBounds(32);
        assertThat(bounds.bound("client-42")).isEqualTo("client-42");
        assertThat(bounds.bound("a\u0001b")).matches("sha256:[0-9a-f]{64}");
        assertThat(bounds.bound("{x}")).matches("sha256:[0-9a-f]{64}");
        assertThat(bounds.bound("k".repeat(33))).matches("sha256:[0-9a-f]{64}");
        assertThat(bounds.bound("sha256:abc")).as("no raw key can pose as a hash").isNotEqualTo("sha256:abc");
        assertThat(bounds.bound("k".repeat(33))).isEqualTo(bounds.bound("k".repeat(33)))
                .isNotEqualTo(bounds.bound("k".repeat(34)));
    }

    @Test
    void aForwardedAddressWithAPortIsTheClientNotTheProxy() {
        // Several proxies and load balancers (e.g. Azure Application Gateway, IIS ARR) append the client's
        // source port. Keying such requests by the proxy's own address puts every client in one bucket.
        assertThat(resolve("10.1.2.3", "198.51.100.7:51234")).isEqualTo("198.51.100.7");
        assertThat(resolve("10.1.2.3", "[2001:db8::5]:51234")).isEqualTo("2001:db8:0:0:0:0:0:0/64");
        assertThat(resolve("10.1.2.3", "[2001:db8::5]")).isEqualTo("2001:db8:0:0:0:0:0:0/64");
    }

    @Test
    void anIpv6ClientIsItsSlash64NotOneOfTheAddressesItCanPickAtWill() {
        // a host chooses the last 64 bits itself (SLAAC, privacy extensions): by address it would have 2^64 buckets
        assertThat(peer(resolver, "2001:db8:aa:bb:1:2:3:4")).isEqualTo("2001:db8:aa:bb:0:0:0:0/64")
                .isEqualTo(peer(resolver, "2001:db8:aa:bb:ffff:ffff:ffff:fffe"));
        assertThat(peer(resolver, "2001:db8:aa:bc::1")).isEqualTo("2001:db8:aa:bc:0:0:0:0/64");
        // the prefix ends inside a group; the scope of a link-local address is not part of the key
        assertThat(peer(new ClientAddressResolver(PROXIES, 56), "2001:db8:aa:bbff::1")).isEqualTo("2001:db8:aa:bb00:0:0:0:0/56");
        assertThat(peer(resolver, "fe80::1%1")).isEqualTo("fe80:0:0:0:0:0:0:0/64");
        // 128 keeps one bucket per address; IPv4 (also written IPv4-mapped) is never masked
        assertThat(peer(new ClientAddressResolver(PROXIES, 128), "2001:db8:aa:bb:1:2:3:4")).isEqualTo("2001:db8:aa:bb:1:2:3:4");
        assertThat(peer(resolver, "203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(peer(resolver, "::ffff:203.0.113.9")).isEqualTo("203.0.113.9");
        // trust is decided on the whole address: ::1 is a trusted proxy, ::2 (same /64) is not
        assertThat(resolve("::2", "198.51.100.7")).isEqualTo("0:0:0:0:0:0:0:0/64");
    }

    private static String peer(ClientAddressResolver resolver, String address) {
        return resolver.resolve(MockServerHttpRequest.get("/").remoteAddress(new InetSocketAddress(address, 40000)).build());
    }

    private String resolve(String peer, String forwarded) {
        MockServerHttpRequest request = MockServerHttpRequest.get("/").remoteAddress(new InetSocketAddress(peer, 40000))
                .header("X-Forwarded-For", forwarded).build();
        return resolver.resolve(request);
    }
}
