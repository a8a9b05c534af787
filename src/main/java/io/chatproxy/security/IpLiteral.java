package io.chatproxy.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** IP address literals, as clients and proxies write them: parsed without ever asking DNS. */
public final class IpLiteral {
    private IpLiteral() {
    }

    /**
     * Parses an IPv4 or IPv6 literal, IPv6 optionally in brackets.
     *
     * @param text the literal
     * @return the address (an IPv4-mapped IPv6 literal is the IPv4 address), or empty when the text is no literal
     */
    public static Optional<InetAddress> parse(String text) {
        String t = text.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        boolean ipv4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = t.contains(":") && t.matches("[0-9A-Fa-f:.]+");
        if (!ipv4 && !ipv6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(t));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
