package io.chatproxy.ratelimit;

import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process limiter: the same algorithm and answers as the Redis one, for one replica. Entries whose windows
 * have passed are swept as the map grows, so memory stays bounded by the number of active subjects.
 */
public final class LocalRateLimiter implements RateLimiter {
    private static final int SWEEP_EVERY = 4096;

    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Counter> counters = new HashMap<>();
    private int sinceSweep;

    /**
     * Creates the limiter.
     *
     * @param clock time source
     */
    public LocalRateLimiter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Decision acquire(List<Limit> limits) {
        long now = clock.millis();
        lock.lock();
        try {
            sweepSometimes(now);
            Decision tightest = null;
            for (Limit limit : limits) {
                Counter counter = counters.computeIfAbsent(limit.key(), k -> new Counter()).roll(now, limit);
                long window = limit.window().toMillis();
                long elapsed = now - counter.windowStart;
                double used = SlidingWindow.estimate(counter.previous, counter.current, elapsed, window);
                if (used + 1 > limit.max()) {
                    long wait = SlidingWindow.millisUntilRoom(counter.previous, counter.current, elapsed, window,
                            limit.max());
                    return new Decision(false, limit, 0, Math.max(1, (wait + 999) / 1000));
                }
                long remaining = (long) Math.floor(limit.max() - used - 1);
                if (tightest == null || remaining < tightest.remaining()) {
                    long reset = (window - elapsed + 999) / 1000;
                    tightest = new Decision(true, limit, remaining, Math.max(1, reset));
                }
            }
            for (Limit limit : limits) {
                counters.get(limit.key()).current++;
            }
            return tightest;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String kind() {
        return "in-process";
    }

    @Override
    public boolean healthy() {
        return true;
    }

    /** Number of keys held, for tests and metrics. */
    public int size() {
        lock.lock();
        try {
            return counters.size();
        } finally {
            lock.unlock();
        }
    }

    private void sweepSometimes(long now) {
        if (++sinceSweep < SWEEP_EVERY) {
            return;
        }
        sinceSweep = 0;
        Iterator<Counter> it = counters.values().iterator();
        while (it.hasNext()) {
            Counter c = it.next();
            if (now - c.windowStart >= 2 * c.windowMillis) {
                it.remove();
            }
        }
    }

    private static final class Counter {
        private long windowStart;
        private long windowMillis;
        private long previous;
        private long current;

        private Counter roll(long now, Limit limit) {
            long window = limit.window().toMillis();
            long start = now - Math.floorMod(now, window);
            if (windowMillis != window) {
                windowMillis = window;
                windowStart = start;
                previous = 0;
                current = 0;
            } else if (start != windowStart) {
                previous = start - windowStart == window ? current : 0;
                current = 0;
                windowStart = start;
            }
            return this;
        }
    }
}
