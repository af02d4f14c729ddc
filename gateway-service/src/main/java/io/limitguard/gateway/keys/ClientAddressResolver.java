package io.limitguard.gateway.keys;

import io.limitguard.gateway.config.Cidr;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The client's IP address. {@code X-Forwarded-For} is believed only when the TCP peer is a trusted
 * proxy; then the client is the right-most entry that is not itself a trusted proxy. A client
 * cannot choose its key by sending the header itself. An IPv6 client is its network of the
 * configured prefix length ({@code 2001:db8:1:2:0:0:0:0/64}): every address of it is one client.
 */
public final class ClientAddressResolver {

    // Only literal addresses: InetAddress.getByName on anything else would be a DNS lookup.
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*");
    private static final int MAX_HOPS = 32;

    private final List<Cidr> trustedProxies;
    private final int ipv6PrefixLength;

    public ClientAddressResolver(List<Cidr> trustedProxies, int ipv6PrefixLength) {
        this.trustedProxies = List.copyOf(trustedProxies);
        this.ipv6PrefixLength = ipv6PrefixLength;
    }

    /** The client address as text, or null when the peer address is unknown. */
    public String resolve(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        InetAddress peer = remote == null ? null : remote.getAddress();
        if (peer == null) {
            return null;
        }
        if (!trusted(peer)) {
            return key(peer);
        }
        List<String> forwarded = request.getHeaders().get("X-Forwarded-For");
        if (forwarded == null || forwarded.isEmpty()) {
            return key(peer);
        }
        String[] hops = String.join(",", forwarded).split(",");
        InetAddress client = peer;
        for (int i = hops.length - 1, seen = 0; i >= 0 && seen < MAX_HOPS; i--, seen++) {
            InetAddress hop = parse(hops[i].trim());
            if (hop == null) {
                break; // malformed: keep the last address a trusted hop vouched for
            }
            client = hop;
            if (!trusted(hop)) {
                break;
            }
        }
        return key(client);
    }

    /** An IPv4 address as is; an IPv6 address as its network of {@code ipv6PrefixLength} bits. */
    private String key(InetAddress address) {
        if (!(address instanceof Inet6Address) || ipv6PrefixLength == 128) {
            return address.getHostAddress();
        }
        byte[] bytes = address.getAddress(); // without the scope (%eth0) a link-local address may carry
        for (int bit = ipv6PrefixLength; bit < 128; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + ipv6PrefixLength;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }

    /** {@code 198.51.100.7:51234} and {@code [2001:db8::5]:51234} (or {@code [2001:db8::5]}) name the address alone. */
    private static String withoutPort(String text) {
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            return close > 0 && (close == text.length() - 1 || text.charAt(close + 1) == ':')
                    ? text.substring(1, close) : "";
        }
        int colon = text.indexOf(':');
        // one colon after a dotted quad: an IPv4 address and port (an IPv6 literal has at least two)
        return colon > 0 && colon == text.lastIndexOf(':') && text.indexOf('.') >= 0 && text.indexOf('.') < colon
                ? text.substring(0, colon) : text;
    }

    private boolean trusted(InetAddress address) {
        for (Cidr cidr : trustedProxies) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static InetAddress parse(String text) {
        text = withoutPort(text);
        if (text.isEmpty() || text.length() > 45 || !IP_LITERAL.matcher(text).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
