package io.chatproxy.routes;

import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.chatproxy.web.ApiException;

/**
 * Refuses, before any handler runs, a request whose declared body is larger than its route accepts (the route
 * table's {@link BodyLimit}): 413 {@code payload_too_large}. A chunked body without a length is bounded where it is read
 * ({@code JsonCodec}), with the same limit.
 */
public final class BodyLimitFilter implements Filter {
    private final RouteTable routes;
    private final int maxJsonBytes;

    /**
     * Creates the filter.
     *
     * @param routes route table
     * @param maxJsonBytes {@code security.max-body-bytes}
     */
    public BodyLimitFilter(RouteTable routes, int maxJsonBytes) {
        this.routes = routes;
        this.maxJsonBytes = maxJsonBytes;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long length = req.headers().contentLength().orElse(0);
        if (length > 0) {
            routes.find(req.prologue().method(), req.path().path()).ifPresent(route -> {
                long limit = limit(route.group().body());
                if (length > limit) {
                    throw new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload_too_large",
                            limit == 0
                                    ? "This request takes no body"
                                    : "The request body is larger than " + limit + " bytes");
                }
            });
        }
        chain.proceed();
    }

    /** The largest body a route of this kind accepts. */
    public long limit(BodyLimit body) {
        return body == BodyLimit.JSON ? maxJsonBytes : 0;
    }
}
