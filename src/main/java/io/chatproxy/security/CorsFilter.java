package io.chatproxy.security;

import java.util.List;
import java.util.function.Predicate;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.chatproxy.web.ApiException;

/**
 * CORS for the API: the request's exact origin is echoed when it is allowed (never {@code *}), with
 * {@code Vary: Origin}; preflights from allowed origins are answered with the methods and headers the widget uses;
 * a preflight from any other origin gets 403 and no CORS headers at all.
 */
public final class CorsFilter implements Filter {
    private static final List<String> ALLOWED_METHODS = List.of("GET", "POST", "DELETE", "OPTIONS");
    private static final String METHODS = String.join(", ", ALLOWED_METHODS);
    private static final String HEADERS = "Content-Type, Accept, Last-Event-ID, X-Request-Id";
    private static final String EXPOSED = "RateLimit, RateLimit-Policy, Retry-After, X-Request-Id";
    private static final String MAX_AGE = "600";

    private final OriginPolicy origins;
    private final boolean allowCredentials;
    private final Predicate<String> corsPath;

    /**
     * Creates the filter.
     *
     * @param origins allowed origins
     * @param allowCredentials whether to send {@code Access-Control-Allow-Credentials: true}
     * @param corsPath whether CORS applies to a path (the route table's API routes)
     */
    public CorsFilter(OriginPolicy origins, boolean allowCredentials, Predicate<String> corsPath) {
        this.origins = origins;
        this.allowCredentials = allowCredentials;
        this.corsPath = corsPath;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!corsPath.test(req.path().path())) {
            chain.proceed();
            return;
        }
        res.header(HeaderNames.VARY, "Origin");
        String origin = req.headers().first(HeaderNames.ORIGIN).orElse(null);
        boolean allowed = origins.allows(origin);
        boolean preflight = Method.OPTIONS.equals(req.prologue().method())
                && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        if (preflight) {
            String method = req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD).orElse("");
            if (!allowed || !ALLOWED_METHODS.contains(method)) {
                throw ApiException.forbidden("cors_refused", "This origin may not call the API");
            }
            allowOrigin(res, origin);
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, HEADERS);
            res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, MAX_AGE);
            res.status(Status.NO_CONTENT_204).send();
            return;
        }
        if (allowed) {
            allowOrigin(res, origin);
            res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
        }
        chain.proceed();
    }

    private void allowOrigin(RoutingResponse res, String origin) {
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if (allowCredentials) {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
    }
}
