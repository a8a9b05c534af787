package io.chatproxy.web;

import java.util.UUID;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

/**
 * Gives every request an id: the caller's {@code X-Request-Id} when it is well formed, a new one otherwise. The id is
 * returned on every response, put in error bodies and passed to n8n.
 */
public final class RequestIds implements Filter {
    /** The header carrying the id. */
    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final String CONTEXT_KEY = "chat-proxy.request-id";

    private static final HeaderName SERVED_BY = HeaderNames.create("X-Served-By");
    private final String instanceId;

    /**
     * Creates the filter.
     *
     * @param instanceId name of this replica for {@code X-Served-By}, or "" for none
     */
    public RequestIds(String instanceId) {
        this.instanceId = instanceId;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!instanceId.isEmpty()) {
            res.header(SERVED_BY, instanceId);
        }
        String id = req.headers().first(HEADER).filter(v -> SAFE.matcher(v).matches())
                .orElseGet(() -> UUID.randomUUID().toString());
        req.context().register(CONTEXT_KEY, id);
        res.header(HEADER, id);
        chain.proceed();
    }

    /**
     * The id of a request.
     *
     * @param req request
     * @return its id, or "unknown" when the filter did not run
     */
    public static String of(ServerRequest req) {
        return req.context().get(CONTEXT_KEY, String.class).orElse("unknown");
    }
}
