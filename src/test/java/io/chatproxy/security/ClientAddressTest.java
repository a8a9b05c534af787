package io.chatproxy.security;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The client's address behind trusted proxies: X-Forwarded-For counts only when a trusted proxy sent it. */
class ClientAddressTest {
    private final ClientAddress behindProxies = new ClientAddress(List.of("10.0.0.0/8", "2001:db8::/32"));

    @Test
    void withoutTrustedProxiesThePeerIsTheClientWhateverTheHeaderSays() {
        ClientAddress direct = new ClientAddress(List.of());

        assertThat(direct.of("203.0.113.9", List.of("198.51.100.1")), is("203.0.113.9"));
    }

    @Test
    void anUntrustedPeerCannotForgeItsAddressWithTheHeader() {
        assertThat(behindProxies.of("203.0.113.9", List.of("198.51.100.1")), is("203.0.113.9"));
    }

    @Test
    void behindATrustedProxyTheClientIsTheRightMostHopThatIsNotAProxy() {
        assertThat(behindProxies.of("10.0.0.2", List.of("6.6.6.6, 198.51.100.1, 10.0.0.7")), is("198.51.100.1"));
    }

    @Test
    void severalHeaderValuesAreReadAsOneListInOrder() {
        assertThat(behindProxies.of("10.0.0.2", List.of("198.51.100.1", "203.0.113.5, 10.1.1.1")),
                is("203.0.113.5"));
    }

    @Test
    void whenEveryHopIsAProxyTheLeftMostOneIsTheClient() {
        assertThat(behindProxies.of("10.0.0.2", List.of("10.0.0.5, 10.0.0.6")), is("10.0.0.5"));
    }

    @Test
    void withoutTheHeaderATrustedPeerIsTheClient() {
        assertThat(behindProxies.of("10.0.0.2", List.of()), is("10.0.0.2"));
    }

    @Test
    void aHopThatIsNotAnAddressLeavesTheLastTrustedHop() {
        assertThat(behindProxies.of("10.0.0.2", List.of("evil.example, 10.0.0.9")), is("10.0.0.9"));
        assertThat(behindProxies.of("10.0.0.2", List.of("unknown")), is("10.0.0.2"));
    }

    @Test
    void emptyHopsAreSkipped() {
        assertThat(behindProxies.of("10.0.0.2", List.of("198.51.100.1, , ")), is("198.51.100.1"));
    }

    @Test
    void ipv6ProxiesAndClientsAreMatchedByPrefix() {
        assertThat(behindProxies.of("2001:db8::1", List.of("2001:db9::42, 2001:db8:ffff::1")), is("2001:db9::42"));
    }

    @Test
    void anIpv4MappedPeerIsMatchedAsItsIpv4Address() {
        assertThat(behindProxies.of("::ffff:10.0.0.2", List.of("198.51.100.1")), is("198.51.100.1"));
        assertThat(behindProxies.of("2001:db9::1", List.of("198.51.100.1")), is("2001:db9::1"));
    }

    @Test
    void aTrustedProxyThatIsNotAnAddressBlockFailsAtStart() {
        assertThrows(IllegalArgumentException.class, () -> new ClientAddress(List.of("proxy.internal")));
        assertThrows(IllegalArgumentException.class, () -> new ClientAddress(List.of("10.0.0.0/33")));
    }
}
