package io.chatproxy.resilience;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.chatproxy.routes.AdmissionGroup;
import io.chatproxy.routes.RouteTable;
import io.chatproxy.web.ApiException;

/**
 * Admission by waiting time: each route group (from the route table) has permits sized from what it protects; a
 * request waits in line (fair, first come first served) for a permit up to the group's max-wait, and only a request
 * that would wait longer, or that finds more than max-waiters already in line, gets 503 {@code server_busy} with
 * {@code Retry-After}. A burst an idle server can carry is therefore served, while true overload is shed quickly and
 * the line cannot grow without bound. A streaming request holds its permit until the stream ends.
 */
public final class Admission implements Filter {
    private final Map<AdmissionGroup, Pool> pools = new EnumMap<>(AdmissionGroup.class);
    private final RouteTable routes;
    private final Consumer<String> onRejected;

    /**
     * Creates the pools.
     *
     * @param settings sizes per group
     * @param onRejected called with the group name for each refused request
     * @param routes which group each route is in
     */
    public Admission(ResilienceSettings settings, Consumer<String> onRejected, RouteTable routes) {
        this.routes = routes;
        this.onRejected = onRejected;
        pools.put(AdmissionGroup.CHAT, new Pool("chat", settings.chat()));
        pools.put(AdmissionGroup.SESSION, new Pool("session", settings.session()));
        pools.put(AdmissionGroup.HISTORY, new Pool("history", settings.history()));
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Pool pool = routes.find(req.prologue().method(), req.path().path())
                .map(r -> pools.get(r.group().admission())).orElse(null);
        if (pool == null) {
            chain.proceed();
            return;
        }
        pool.admit();
        try {
            chain.proceed();
        } finally {
            pool.permits.release();
        }
    }

    /** Requests admitted so far in a group (tests and metrics). */
    public long admitted(AdmissionGroup group) {
        Pool pool = pools.get(group);
        return pool == null ? 0 : pool.admitted.sum();
    }

    /** Requests waiting for a permit now in a group. */
    public int waiting(AdmissionGroup group) {
        Pool pool = pools.get(group);
        return pool == null ? 0 : pool.waiting.get();
    }

    private final class Pool {
        private final String name;
        private final Semaphore permits;
        private final long maxWaitNanos;
        private final int maxWaiters;
        private final long retryAfter;
        private final AtomicInteger waiting = new AtomicInteger();
        private final LongAdder admitted = new LongAdder();

        Pool(String name, ResilienceSettings.AdmissionSize size) {
            this.name = name;
            this.permits = new Semaphore(size.permits(), true);
            this.maxWaitNanos = size.maxWait().toNanos();
            this.maxWaiters = size.maxWaiters();
            this.retryAfter = Math.max(1, ceilSeconds(size.maxWait()));
        }

        void admit() {
            // tryAcquire(0, ...) honours fairness: no overtaking those already in line
            if (!acquire(0)) {
                if (waiting.incrementAndGet() > maxWaiters) {
                    waiting.decrementAndGet();
                    refuse();
                }
                try {
                    if (!acquire(maxWaitNanos)) {
                        refuse();
                    }
                } finally {
                    waiting.decrementAndGet();
                }
            }
            admitted.increment();
        }

        private boolean acquire(long nanos) {
            try {
                return permits.tryAcquire(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private void refuse() {
            onRejected.accept(name);
            throw ApiException.unavailable("server_busy", "Too many requests are in progress: please retry",
                    retryAfter);
        }
    }

    private static long ceilSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }
}
