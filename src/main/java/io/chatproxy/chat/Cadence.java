package io.chatproxy.chat;

import java.time.Duration;

/**
 * When something periodic is next due, on {@link System#nanoTime()}: the heartbeat of a relayed or resumed answer, the
 * renewal of a relayed answer's lease. One caller asks it (not thread-safe).
 */
final class Cadence {
    private final long period;
    private long next;

    /**
     * Starts the cadence: first due one period after {@code now}.
     *
     * @param period time between two occasions
     * @param now {@link System#nanoTime()}
     */
    Cadence(Duration period, long now) {
        this.period = period.toNanos();
        this.next = now + this.period;
    }

    /**
     * Whether it is due at {@code now}; when it is, the next occasion is one period after {@code now}.
     *
     * @param now {@link System#nanoTime()}
     * @return true when due
     */
    boolean due(long now) {
        if (now - next < 0) {
            return false;
        }
        next = now + period;
        return true;
    }
}
