package io.chatproxy.security;

import java.net.InetAddress;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The client's IP address: the socket peer, unless the peer is a trusted proxy; then the right-most address of
 * {@code X-Forwarded-For} that is not itself a trusted proxy. The header is ignored from anyone else.
 */
public final class ClientAddress {
    private final List<Cidr> trustedProxies;

    /**
     * Creates the resolver.
     *
     * @param trustedProxies CIDR blocks (or single addresses) of trusted proxies
     */
    public ClientAddress(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies.stream().map(Cidr::parse).toList();
    }

    /** The client IP of a request. */
    public String of(ServerRequest req) {
        return of(req.remotePeer().host(), req.headers().all(HeaderNames.X_FORWARDED_FOR, List::of));
    }

    /**
     * The client IP given the socket peer and the {@code X-Forwarded-For} header values, in order.
     *
     * @param peer the socket peer's address
     * @param forwarded every X-Forwarded-For value (each may list several hops)
     * @return the client IP
     */
    String of(String peer, List<String> forwarded) {
        if (!trusted(peer)) {
            return peer;
        }
        String candidate = peer;
        for (int h = forwarded.size() - 1; h >= 0; h--) {
            String[] hops = forwarded.get(h).split(",", -1);
            for (int i = hops.length - 1; i >= 0; i--) {
                String hop = hops[i].trim();
                if (hop.isEmpty()) {
                    continue;
                }
                if (!trusted(hop)) {
                    return literalOrPeer(hop, candidate);
                }
                candidate = hop;
            }
        }
        return candidate;
    }

    private boolean trusted(String address) {
        return trustedProxies.stream().anyMatch(c -> c.contains(address));
    }

    private static String literalOrPeer(String hop, String fallback) {
        return Cidr.isLiteral(hop) ? hop : fallback;
    }

    /** An address block. */
    private static final class Cidr {
        private final byte[] network;
        private final int prefix;

        private Cidr(byte[] network, int prefix) {
            this.network = network;
            this.prefix = prefix;
        }

        static Cidr parse(String text) {
            String[] parts = text.trim().split("/", 2);
            byte[] address = literal(parts[0]);
            if (address == null) {
                throw new IllegalArgumentException(text);
            }
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException(text);
            }
            return new Cidr(address, prefix);
        }

        boolean contains(String address) {
            byte[] bytes = literal(address);
            if (bytes == null || bytes.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        static boolean isLiteral(String text) {
            return literal(text) != null;
        }

        private static byte[] literal(String text) {
            return IpLiteral.parse(text).map(InetAddress::getAddress).orElse(null);
        }
    }
}
