package io.chatproxy.resilience;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

import io.helidon.faulttolerance.Bulkhead;
import io.helidon.faulttolerance.BulkheadException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.chatproxy.routes.AdmissionGroup;
import io.chatproxy.routes.RouteTable;
import io.chatproxy.web.ApiException;

/**
 * One bulkhead per route group, so a flood of slow chat streams cannot take the places that session calls, history
 * reads and health probes need. A streaming request holds its place until the stream ends. When a group is full
 * (limit and queue), the answer is 503 with {@code Retry-After}.
 */
public final class RouteBulkheads implements Filter {
    private final Map<AdmissionGroup, Bulkhead> byGroup = new EnumMap<>(AdmissionGroup.class);
    private final RouteTable routes;
    private final Consumer<String> onRejected;

    /**
     * Creates the bulkheads.
     *
     * @param settings sizes
     * @param onRejected called with the group name for each rejected request
     * @param routes which group each route is in
     */
    public RouteBulkheads(ResilienceSettings settings, Consumer<String> onRejected, RouteTable routes) {
        this.onRejected = onRejected;
        this.routes = routes;
        byGroup.put(AdmissionGroup.HISTORY, bulkhead("history", settings.history()));
        byGroup.put(AdmissionGroup.CHAT, bulkhead("chat", settings.chat()));
        byGroup.put(AdmissionGroup.SESSION, bulkhead("session", settings.session()));
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Bulkhead bulkhead = routes.find(req.prologue().method(), req.path().path())
                .map(r -> byGroup.get(r.group().admission())).orElse(null);
        if (bulkhead == null) {
            chain.proceed();
            return;
        }
        try {
            bulkhead.invoke(() -> {
                chain.proceed();
                return null;
            });
        } catch (BulkheadException e) {
            onRejected.accept(bulkhead.name());
            throw ApiException.unavailable("server_busy", "Too many requests are in progress: please retry", 2);
        }
    }

    /** Calls running now in a group, for metrics. */
    public long inProgress(String group) {
        return byGroup.values().stream().filter(b -> b.name().equals(group))
                .mapToLong(b -> b.stats().concurrentExecutions()).sum();
    }

    private static Bulkhead bulkhead(String name, ResilienceSettings.BulkheadSize size) {
        return Bulkhead.builder().name(name).limit(size.limit()).queueLength(size.queue()).build();
    }
}
