package io.chatproxy.routes;

import java.net.http.HttpRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.helidon.http.Method;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatproxy.AppInternals;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static io.chatproxy.routes.AdmissionGroup.CHAT;
import static io.chatproxy.routes.AdmissionGroup.HISTORY;
import static io.chatproxy.routes.AdmissionGroup.NONE;
import static io.chatproxy.routes.AdmissionGroup.SESSION;
import static io.chatproxy.routes.BodyLimit.JSON;
import static io.chatproxy.routes.BodyLimit.NO_BODY;
import static io.chatproxy.routes.RateLimitScope.CHAT_MESSAGE;
import static io.chatproxy.routes.RateLimitScope.PREVIOUS_SESSION;
import static io.chatproxy.routes.RateLimitScope.RESUME;
import static io.chatproxy.routes.RateLimitScope.SESSION_CREATE;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Walks every route the server registered and checks its guards: declared as expected, and applied by the running
 * server (drain refusal, CORS, body limit, admission).
 */
class RouteTableTest {
    /** The guards every route must have; a route added to the table without an entry here fails. */
    private static final Map<String, Guards> EXPECTED = Map.ofEntries(
            Map.entry("POST /api/v1/session/create", new Guards(SESSION, false, Set.of(SESSION_CREATE), true, JSON)),
            Map.entry("GET /api/v1/session/validate", new Guards(SESSION, false, Set.of(), true, NO_BODY)),
            Map.entry("DELETE /api/v1/session", new Guards(SESSION, false, Set.of(), true, NO_BODY)),
            Map.entry("POST /api/v1/chat/message", new Guards(CHAT, true, Set.of(CHAT_MESSAGE), true, JSON)),
            Map.entry("POST /api/v1/chat/stream", new Guards(CHAT, true, Set.of(CHAT_MESSAGE), true, JSON)),
            Map.entry("GET /api/v1/chat/stream/{messageId}", new Guards(CHAT, true, Set.of(RESUME), true, NO_BODY)),
            Map.entry("GET /api/v1/chat/history/{sessionId}", new Guards(HISTORY, false, Set.of(), true, NO_BODY)),
            Map.entry("POST /api/v1/n8n/chat", new Guards(CHAT, true,
                    Set.of(CHAT_MESSAGE, SESSION_CREATE, PREVIOUS_SESSION), true, JSON)),
            Map.entry("GET /api/v1/n8n/chat", new Guards(CHAT, true,
                    Set.of(CHAT_MESSAGE, SESSION_CREATE, PREVIOUS_SESSION), true, JSON)),
            Map.entry("GET /health", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("GET /metrics", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("GET /observe/*", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("GET /widget.js", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("GET /widget.css", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("GET /chat-loader.js", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("GET /widget.{file}", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("GET /*", new Guards(NONE, false, Set.of(), false, NO_BODY)),
            Map.entry("HEAD /*", new Guards(NONE, false, Set.of(), false, NO_BODY)));

    private static FakeN8n n8n;
    private static TestApp app;

    @BeforeAll
    static void start() {
        n8n = FakeN8n.start();
        app = TestApp.start(Map.of("CHAT_PROXY_SECURITY__MAX_BODY_BYTES", "2048",
                "N8N_WEBHOOK_URL", n8n.webhookUrl().toString()));
    }

    @AfterAll
    static void stop() {
        app.close();
        n8n.close();
    }

    @Test
    void everyRegisteredRouteIsDeclaredAndEveryDeclaredRouteIsRegistered() {
        RouteTable table = AppInternals.routes(app.app());
        assertThat(table.registered(), is(Set.copyOf(table.routes())));
        Set<String> declared = new HashSet<>();
        table.routes().forEach(r -> declared.add(key(r)));
        assertThat(declared, is(EXPECTED.keySet()));
    }

    @Test
    void everyRouteHasTheGuardsOfItsKind() {
        for (Route route : AppInternals.routes(app.app()).routes()) {
            RouteGroup g = route.group();
            assertThat(key(route), new Guards(g.admission(), g.refusedWhileDraining(), g.rateLimits(), g.cors(),
                    g.body()), is(EXPECTED.get(key(route))));
        }
    }

    @Test
    void theApiPrefixHoldsExactlyTheRoutesThatAnswerCors() {
        RouteTable table = AppInternals.routes(app.app());
        for (Route route : table.routes()) {
            assertThat(key(route), table.api(route.path()), is(route.group().cors()));
        }
    }

    @Test
    void probesAndTheApiAnswerDataAndEverythingElseIsAPage() {
        RouteTable table = AppInternals.routes(app.app());
        for (String probe : List.of("/health", "/metrics", "/observe/health", "/observe/metrics")) {
            assertThat(probe, table.probe(probe) && table.data(probe), is(true));
        }
        for (String api : List.of("/api/v1/session/create", "/api/v1/chat/stream/m1", "/api/v1/not-declared")) {
            assertThat(api, table.api(api) && table.data(api) && !table.probe(api), is(true));
        }
        for (String page : List.of("/", "/index.html", "/widget.js", "/health-check.html")) {
            assertThat(page, table.data(page), is(false));
        }
    }

    @Test
    void corsHeadersOnlyOnApiRoutes() {
        for (Route route : AppInternals.routes(app.app()).routes()) {
            Visitor.Answer answer = send(route, "", false);
            // the widget's script is public ("*"); only API routes echo the visitor's origin
            assertThat(key(route), answer.header("Access-Control-Allow-Origin").filter(TestApp.ORIGIN::equals)
                    .isPresent(), is(route.group().cors()));
        }
    }

    @Test
    void everyRouteWaitsInItsOwnAdmissionGroup() {
        var admission = AppInternals.admission(app.app());
        for (Route route : AppInternals.routes(app.app()).routes()) {
            Map<AdmissionGroup, Long> before = new java.util.EnumMap<>(AdmissionGroup.class);
            for (AdmissionGroup g : AdmissionGroup.values()) {
                before.put(g, admission.admitted(g));
            }
            send(route, route.group().body() == JSON ? "{}" : "", false);
            for (AdmissionGroup g : AdmissionGroup.values()) {
                long expected = before.get(g) + (g != NONE && g == route.group().admission() ? 1 : 0);
                assertThat(key(route) + " in " + g, admission.admitted(g), is(expected));
            }
        }
    }

    @Test
    void bodiesAboveTheRouteLimitAreRefusedBeforeTheHandler() {
        for (Route route : AppInternals.routes(app.app()).routes()) {
            long limit = route.group().body() == JSON ? 2048 : 0;
            Visitor.Answer answer = send(route, "x".repeat((int) limit + 1), false);
            assertThat(key(route), answer.status(), is(413));
            if (route.method() != Method.HEAD) {
                assertThat(key(route), answer.errorCode(), is("payload_too_large"));
            }
        }
    }

    @Test
    void whileDrainingOnlyTheStreamingRoutesRefuseNewWork() {
        try (TestApp draining = TestApp.start(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString()))) {
            draining.app().drain();
            for (Route route : AppInternals.routes(draining.app()).routes()) {
                Visitor.Answer answer = send(draining, route, route.group().body() == JSON ? "{}" : "", false);
                if (route.group().refusedWhileDraining()) {
                    assertThat(key(route), answer.status(), is(503));
                    assertThat(key(route), answer.errorCode(), is("server_draining"));
                } else {
                    assertThat(key(route), answer.status(), not(is(503)));
                }
            }
        }
    }

    static Visitor.Answer send(Route route, String body, boolean unused) {
        return send(app, route, body, unused);
    }

    static Visitor.Answer send(TestApp target, Route route, String body, boolean unused) {
        Visitor visitor = target.visitor();
        HttpRequest.Builder request = visitor.request(samplePath(route)).header("Content-Type", "application/json")
                .method(route.method().text(), body.isEmpty()
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return visitor.send(request);
    }

    static String samplePath(Route route) {
        if (route.prefix()) {
            return route.path().equals("/") ? "/index.html" : route.path() + "/health/live";
        }
        return route.path().replaceAll("\\{[^}]+}", "abc");
    }

    static String key(Route route) {
        return route.method().text() + " " + (route.prefix()
                ? (route.path().equals("/") ? "" : route.path()) + "/*"
                : route.path());
    }

    record Guards(AdmissionGroup admission, boolean drain, Set<RateLimitScope> rateLimits, boolean cors,
            BodyLimit body) {
    }
}
