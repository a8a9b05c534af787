package io.chatproxy.security;

import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.chatproxy.web.ApiException;

/**
 * Refuses requests that cannot come from the widget: a {@code Host} not in ALLOWED_HOSTS (when set; probe and metrics
 * paths are exempt), and state-changing
 * API calls whose Fetch Metadata shows a top-level navigation or a user-typed URL rather than a script's fetch.
 */
public final class RequestOriginFilter implements Filter {
    private static final Set<Method> SAFE = Set.of(Method.GET, Method.HEAD, Method.OPTIONS);

    private final Set<String> allowedHosts;
    private final Predicate<String> probe;
    private final Predicate<String> api;

    /**
     * Creates the filter.
     *
     * @param allowedHosts accepted Host values (lower case, with or without port); empty accepts any
     * @param probe whether a path is a probe's (exempt from the host check)
     * @param api whether a path is the API's (state-changing calls must come from a script)
     */
    public RequestOriginFilter(Set<String> allowedHosts, Predicate<String> probe, Predicate<String> api) {
        this.allowedHosts = allowedHosts;
        this.probe = probe;
        this.api = api;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        // Probes and scrapers address the pod by IP: the host check guards what browsers reach.
        if (!allowedHosts.isEmpty() && !probe.test(path)
                && !hostAllowed(req.headers().first(HeaderNames.HOST).orElse(""))) {
            throw ApiException.badRequest("invalid_host", "This host name is not served here");
        }
        if (!SAFE.contains(req.prologue().method()) && api.test(path)) {
            String site = req.headers().first(HeaderNames.create("Sec-Fetch-Site")).orElse("");
            String mode = req.headers().first(HeaderNames.create("Sec-Fetch-Mode")).orElse("");
            if (site.equals("none") || mode.equals("navigate")) {
                throw ApiException.forbidden("fetch_metadata_refused", "This request must come from the chat widget");
            }
        }
        chain.proceed();
    }

    private boolean hostAllowed(String host) {
        String value = host.toLowerCase(Locale.ROOT);
        if (allowedHosts.contains(value)) {
            return true;
        }
        int colon = value.lastIndexOf(':');
        return colon > 0 && !value.endsWith("]") && allowedHosts.contains(value.substring(0, colon));
    }
}
