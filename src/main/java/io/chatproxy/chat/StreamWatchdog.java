package io.chatproxy.chat;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One timer thread for every open answer: a few times a second it lets each one send its heartbeat, renew its lease
 * and time out (see {@link RelayedAnswer#check(long)}). The tick is a tenth of the shortest of those periods, between
 * 10 and 250 ms, so a timeout fires at most a tick late.
 */
public final class StreamWatchdog implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(StreamWatchdog.class.getName());
    private static final Duration SHORTEST_TICK = Duration.ofMillis(10);
    private static final Duration LONGEST_TICK = Duration.ofMillis(250);

    private final ActiveStreams streams;
    private final ScheduledFuture<?> ticking;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "stream-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * Starts watching.
     *
     * @param streams the open answers
     * @param settings heartbeat, timeouts and lease
     */
    public StreamWatchdog(ActiveStreams streams, StreamSettings settings) {
        this.streams = streams;
        long tick = tick(settings).toNanos();
        this.ticking = timer.scheduleWithFixedDelay(this::checkAll, tick, tick, TimeUnit.NANOSECONDS);
    }

    static Duration tick(StreamSettings settings) {
        Duration shortest = settings.heartbeat();
        for (Duration d : new Duration[]{settings.firstChunkTimeout(), settings.idleTimeout(),
                settings.lease().dividedBy(3)}) {
            if (d.compareTo(shortest) < 0) {
                shortest = d;
            }
        }
        Duration tick = shortest.dividedBy(10);
        if (tick.compareTo(SHORTEST_TICK) < 0) {
            return SHORTEST_TICK;
        }
        return tick.compareTo(LONGEST_TICK) > 0 ? LONGEST_TICK : tick;
    }

    private void checkAll() {
        long now = System.nanoTime();
        streams.forEach(answer -> {
            try {
                answer.check(now);
            } catch (RuntimeException e) {
                // one answer's failure must not stop the timer for all the others
                LOGGER.log(Level.WARNING, "Watching an answer failed", e);
            }
        });
    }

    @Override
    public void close() {
        ticking.cancel(false);
        timer.shutdownNow();
    }
}
