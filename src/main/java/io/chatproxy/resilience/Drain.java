package io.chatproxy.resilience;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.chatproxy.routes.RouteTable;
import io.chatproxy.web.ApiException;

/**
 * Graceful shutdown: once draining starts, readiness turns false and new work on the streaming routes (those of
 * the route table refused while draining: chat messages, resumes, @n8n/chat) gets 503 so the load balancer
 * sends them elsewhere, while open streams may finish until the drain timeout; the rest are then ended with
 * {@code server_shutdown} (each stores its partial answer).
 */
public final class Drain implements Filter {
    private static final System.Logger LOGGER = System.getLogger(Drain.class.getName());

    private final AtomicBoolean draining = new AtomicBoolean();
    private final RouteTable routes;

    /**
     * Creates the drain.
     *
     * @param routes which routes are refused while draining
     */
    public Drain(RouteTable routes) {
        this.routes = routes;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (draining.get() && routes.find(req.prologue().method(), req.path().path())
                .filter(r -> r.group().refusedWhileDraining()).isPresent()) {
            throw ApiException.unavailable("server_draining", "This server is restarting: please retry", 1);
        }
        chain.proceed();
    }

    /** Whether the server is draining. */
    public boolean draining() {
        return draining.get();
    }

    /**
     * Drains: refuses new streams, waits for open ones up to the timeout, then ends the rest.
     *
     * @param openStreams number of open streams
     * @param endStreams ends every open stream with server_shutdown
     * @param timeout longest wait
     */
    public void run(IntSupplier openStreams, Runnable endStreams, Duration timeout) {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        int open = openStreams.getAsInt();
        LOGGER.log(Level.INFO, "Draining: " + open + " open streams, waiting up to " + timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (openStreams.getAsInt() > 0 && System.nanoTime() - deadline < 0) {
            sleep(50);
        }
        int ended = openStreams.getAsInt();
        if (ended > 0) {
            LOGGER.log(Level.WARNING, "Drain timeout: ending " + ended + " open streams");
            endStreams.run();
            long grace = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (openStreams.getAsInt() > 0 && System.nanoTime() - grace < 0) {
                sleep(20);
            }
        }
        LOGGER.log(Level.INFO, "drained: " + Math.max(0, open - ended) + " streams finished, " + ended + " ended");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
