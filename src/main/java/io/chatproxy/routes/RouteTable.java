package io.chatproxy.routes;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * Every route the server answers, declared once with its group; the guards (admission, drain, CORS, body limit) look
 * routes up here, and a service can only register a route that is declared here ({@link #checked}), so a route added
 * later cannot silently miss a guard.
 */
public final class RouteTable {
    /** Every API route lives under this prefix (RouteTableTest checks the declared ones). */
    static final String API_PREFIX = "/api/";

    private static final List<Route> ROUTES = List.of(
            Route.exact(Method.POST, "/api/v1/session/create", RouteGroup.SESSION_CREATE),
            Route.exact(Method.GET, "/api/v1/session/validate", RouteGroup.SESSION),
            Route.exact(Method.DELETE, "/api/v1/session", RouteGroup.SESSION),
            Route.exact(Method.POST, "/api/v1/chat/message", RouteGroup.CHAT_SEND),
            Route.exact(Method.POST, "/api/v1/chat/stream", RouteGroup.CHAT_SEND),
            Route.exact(Method.GET, "/api/v1/chat/stream/{messageId}", RouteGroup.CHAT_RESUME),
            Route.exact(Method.GET, "/api/v1/chat/history/{sessionId}", RouteGroup.HISTORY),
            Route.exact(Method.POST, "/api/v1/n8n/chat", RouteGroup.N8N_CHAT),
            Route.exact(Method.GET, "/api/v1/n8n/chat", RouteGroup.N8N_CHAT),
            Route.exact(Method.GET, "/health", RouteGroup.PROBE),
            Route.exact(Method.GET, "/metrics", RouteGroup.PROBE),
            Route.under(Method.GET, "/observe", RouteGroup.PROBE),
            Route.exact(Method.GET, "/widget.js", RouteGroup.WIDGET),
            Route.exact(Method.GET, "/widget.css", RouteGroup.WIDGET),
            Route.exact(Method.GET, "/chat-loader.js", RouteGroup.WIDGET),
            Route.exact(Method.GET, "/widget.{file}", RouteGroup.WIDGET),
            Route.under(Method.GET, "/", RouteGroup.WIDGET),
            Route.under(Method.HEAD, "/", RouteGroup.WIDGET));

    /** The probes' routes, picked once: every request asks whether it is one. */
    private static final List<Route> PROBES = ROUTES.stream().filter(r -> r.group() == RouteGroup.PROBE).toList();

    private final Set<Route> registered = ConcurrentHashMap.newKeySet();

    /** Every declared route. */
    public List<Route> routes() {
        return ROUTES;
    }

    /**
     * The route a request belongs to: an exact route first, then the longest prefix.
     *
     * @param method request method
     * @param path request path
     * @return the route, or empty for a path the server does not serve
     */
    public Optional<Route> find(Method method, String path) {
        return ROUTES.stream().filter(r -> r.method().equals(method) && r.matchesPath(path))
                .min(Comparator.comparing(Route::prefix).thenComparing(r -> -r.path().length()));
    }

    /** Whether CORS applies to a path (any method: a preflight is an OPTIONS for another method). */
    public boolean cors(String path) {
        return ROUTES.stream().anyMatch(r -> !r.prefix() && r.group().cors() && r.matchesPath(path));
    }

    /**
     * Whether a path is the API's, declared or not (an unknown API path is still answered as the API answers).
     *
     * @param path request path
     * @return whether it is under the API prefix
     */
    public boolean api(String path) {
        return path.startsWith(API_PREFIX);
    }

    /** Whether a path is a probe's (health, metrics, {@code /observe}), whatever the method. */
    public boolean probe(String path) {
        return PROBES.stream().anyMatch(r -> r.matchesPath(path));
    }

    /** Whether a path answers data, never a page (the API and the probes): such answers are never cached. */
    public boolean data(String path) {
        return api(path) || probe(path);
    }

    /**
     * A service whose every route must be declared here (registering another one fails at start).
     *
     * @param prefix path the service is registered under
     * @param service the service
     * @return the checked service
     */
    public HttpService checked(String prefix, HttpService service) {
        return rules -> service.routing(new TableRules(prefix, rules, this));
    }

    /** Marks a prefix route (registered outside a service) as registered. */
    public void registeredPrefix(Method method, String prefix) {
        registered.add(declared(method, prefix, true));
    }

    /** Routes registered so far (a route declared but never registered is a mistake too). */
    public Set<Route> registered() {
        return Set.copyOf(registered);
    }

    void register(Method method, String prefix, String path) {
        String full = prefix.endsWith("/") && path.startsWith("/") ? prefix + path.substring(1) : prefix + path;
        registered.add(declared(method, Route.trim(full), false));
    }

    private Route declared(Method method, String path, boolean prefix) {
        return ROUTES.stream().filter(r -> r.method().equals(method) && r.path().equals(path) && r.prefix() == prefix)
                .findFirst().orElseThrow(() -> new IllegalStateException(
                        "Route " + method.text() + " " + path + " is not declared in RouteTable: declare it with its "
                                + "group so that its guards apply"));
    }

    /** Rules that register only declared routes. */
    private static final class TableRules implements HttpRules {
        private final String prefix;
        private final HttpRules delegate;
        private final RouteTable table;

        TableRules(String prefix, HttpRules delegate, RouteTable table) {
            this.prefix = prefix;
            this.delegate = delegate;
            this.table = table;
        }

        @Override
        public HttpRules route(Method method, String path, Handler handler) {
            table.register(method, prefix, path);
            delegate.route(method, path, handler);
            return this;
        }

        @Override
        public HttpRules get(String path, Handler... handlers) {
            return each(Method.GET, path, handlers);
        }

        @Override
        public HttpRules post(String path, Handler... handlers) {
            return each(Method.POST, path, handlers);
        }

        @Override
        public HttpRules put(String path, Handler... handlers) {
            return each(Method.PUT, path, handlers);
        }

        @Override
        public HttpRules delete(String path, Handler... handlers) {
            return each(Method.DELETE, path, handlers);
        }

        @Override
        public HttpRules patch(String path, Handler... handlers) {
            return each(Method.PATCH, path, handlers);
        }

        @Override
        public HttpRules head(String path, Handler... handlers) {
            return each(Method.HEAD, path, handlers);
        }

        @Override
        public HttpRules options(String path, Handler... handlers) {
            return each(Method.OPTIONS, path, handlers);
        }

        @Override
        public HttpRules register(HttpService... services) {
            throw unsupported();
        }

        @Override
        public HttpRules register(String path, HttpService... services) {
            throw unsupported();
        }

        @Override
        public HttpRules route(HttpRoute route) {
            throw unsupported();
        }

        private HttpRules each(Method method, String path, Handler... handlers) {
            for (Handler handler : handlers) {
                route(method, path, handler);
            }
            return this;
        }

        private UnsupportedOperationException unsupported() {
            return new UnsupportedOperationException("Under " + prefix + " register routes with get/post/put/"
                    + "delete(path, handler) so RouteTable can check them");
        }
    }
}
