package io.chatproxy.ratelimit;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

import io.chatproxy.security.IpLiteral;

/**
 * The key a client address is limited under. An IPv4 address is its own key; an IPv6 address counts for its whole
 * network prefix (a /64 by default): one subscriber usually gets a /64 and can pick any of its 2^64 addresses, so
 * per-address limits would not limit it at all.
 */
final class ClientNetwork {
    private final int ipv6PrefixLength;

    /**
     * Creates the mapping.
     *
     * @param ipv6PrefixLength leading bits of an IPv6 address that identify one client (128: every address alone)
     */
    ClientNetwork(int ipv6PrefixLength) {
        this.ipv6PrefixLength = ipv6PrefixLength;
    }

    /** The limit key of a client address; anything but an IPv6 literal is returned as it is. */
    String key(String address) {
        String literal = address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1)
                : address;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        if (!literal.contains(":")) {
            return address;
        }
        Optional<InetAddress> parsed = IpLiteral.parse(literal);
        if (parsed.isEmpty()) {
            return address;
        }
        if (!(parsed.get() instanceof Inet6Address)) {
            return parsed.get().getHostAddress(); // an IPv4-mapped address is the IPv4 client
        }
        byte[] bytes = parsed.get().getAddress();
        for (int bit = ipv6PrefixLength; bit < bytes.length * 8; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + ipv6PrefixLength;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }
}
