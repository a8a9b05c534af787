package io.chatproxy.web;

import java.util.function.Predicate;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Sets the security headers on every response before anything is written, so that errors and SSE streams get them
 * too. API answers are never cached or framed; the demo page gets a policy that lets it run its own script.
 */
public final class SecurityHeaders implements Filter {
    private static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final Predicate<String> dataPath;

    /**
     * Creates the filter.
     *
     * @param dataPath whether a path answers data rather than a page (the route table knows)
     */
    public SecurityHeaders(Predicate<String> dataPath) {
        this.dataPath = dataPath;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        boolean api = dataPath.test(req.path().path());
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header("Referrer-Policy", "no-referrer");
        res.header("X-Frame-Options", "DENY");
        res.header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
        res.header("Content-Security-Policy", api ? API_POLICY : PAGE_POLICY);
        if (api) {
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
        }
        if (req.isSecure() || req.headers().first(HeaderNames.X_FORWARDED_PROTO).map("https"::equalsIgnoreCase)
                .orElse(false)) {
            res.header(HeaderNames.STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
        }
        chain.proceed();
    }
}
