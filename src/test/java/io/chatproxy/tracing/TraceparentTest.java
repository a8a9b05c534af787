package io.chatproxy.tracing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class TraceparentTest {
    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @ParameterizedTest
    @ValueSource(strings = {VALID, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"})
    void aValidTraceparentIsKept(String value) {
        assertThat(Traceparent.valid(value), is(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
            "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ""})
    void anInvalidTraceparentIsDropped(String value) {
        assertThat(Traceparent.valid(value), is(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"})
    void aLaterVersionIsPassedOnAsVersion00WithTheFieldsVersion00Knows(String value) {
        // W3C: "construct the new traceparent field according to the highest version known (00)"; a later
        // version's label on a header cut to 00's fields would claim fields it no longer has
        assertThat(Traceparent.valid(value), is(VALID));
    }

    @Test
    void theParsedContextIsTheRemoteParentWithItsFlags() {
        var context = Traceparent.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09").orElseThrow();

        assertThat(context.getTraceId(), is("4bf92f3577b34da6a3ce929d0e0e4736"));
        assertThat(context.getSpanId(), is("00f067aa0ba902b7"));
        assertThat(context.isSampled(), is(true));
        assertThat(context.isRemote(), is(true));
        assertThat(Traceparent.of(context), is("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09"));
        assertThat(Traceparent.parse(null).isPresent(), is(false));
    }
}
