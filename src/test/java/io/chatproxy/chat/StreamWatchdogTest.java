package io.chatproxy.chat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class StreamWatchdogTest {
    @Test
    void ticksATenthOfTheShortestPeriodWithinTenAnd250Milliseconds() {
        assertThat(StreamWatchdog.tick(settings("PT15S", "PT60S", "PT75S", "PT10S")), is(Duration.ofMillis(250)));
        assertThat(StreamWatchdog.tick(settings("PT15S", "PT0.5S", "PT75S", "PT10S")), is(Duration.ofMillis(50)));
        assertThat(StreamWatchdog.tick(settings("PT0.05S", "PT60S", "PT75S", "PT10S")), is(Duration.ofMillis(10)));
        assertThat(StreamWatchdog.tick(settings("PT15S", "PT60S", "PT75S", "PT1.5S")), is(Duration.ofMillis(50)));
    }

    private static StreamSettings settings(String heartbeat, String firstChunk, String idle, String lease) {
        return new StreamSettings(Duration.parse(heartbeat), Duration.parse(firstChunk), Duration.parse(idle), 4000,
                false, 1, Duration.parse(lease), Duration.ofMinutes(5),
                Duration.ofSeconds(3));
    }
}
