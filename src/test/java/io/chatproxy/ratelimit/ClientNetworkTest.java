package io.chatproxy.ratelimit;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

class ClientNetworkTest {
    private final ClientNetwork slash64 = new ClientNetwork(64);

    @Test
    void ipv6AddressesCountByTheirPrefix() {
        assertThat(slash64.key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), is("2001:db8:1:2:0:0:0:0/64"));
        assertThat(slash64.key("[2001:DB8:1:2::7]"), is("2001:db8:1:2:0:0:0:0/64"));
        assertThat(slash64.key("fe80::1%eth0"), is("fe80:0:0:0:0:0:0:0/64"));
        assertThat(slash64.key("2001:db8:1:3::1"), not(is(slash64.key("2001:db8:1:2::1"))));
        assertThat(new ClientNetwork(56).key("2001:db8:1:2ff::1"), is("2001:db8:1:200:0:0:0:0/56"));
        assertThat(new ClientNetwork(128).key("2001:db8::1"), is("2001:db8:0:0:0:0:0:1/128"));
    }

    @Test
    void ipv4AndEverythingElseCountAlone() {
        assertThat(slash64.key("203.0.113.9"), is("203.0.113.9"));
        assertThat(slash64.key("::ffff:203.0.113.9"), is("203.0.113.9"));
        assertThat(slash64.key("not-an-address"), is("not-an-address"));
        assertThat(slash64.key("unknown"), is("unknown"));
    }
}
