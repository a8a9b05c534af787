package io.chatproxy.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.chatproxy.web.ErrorResponses;
import io.chatproxy.web.JsonCodec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** The CORS filter on a server of its own: API paths only, allowed origins only, exact preflight methods. */
class CorsFilterTest {
    private static final String SITE = "https://shop.example";
    private static WebServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        HttpRouting.Builder routing = HttpRouting.builder();
        new ErrorResponses(new JsonCodec()).register(routing);
        routing.addFilter(new CorsFilter(new OriginPolicy(List.of(SITE)), true, path -> path.startsWith("/api/")))
                .get("/api/thing", (req, res) -> res.send("ok"))
                .get("/page", (req, res) -> res.send("page"));
        server = WebServer.builder().host("127.0.0.1").port(0).routing(routing).build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void anAllowedOriginGetsItsOriginBackWithCredentialsAndTheExposedHeaders() throws Exception {
        HttpResponse<String> r = send(get("/api/thing").header("Origin", SITE));
        assertThat(r.statusCode(), is(200));
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin").orElse(""), is(SITE));
        assertThat(r.headers().firstValue("Access-Control-Allow-Credentials").orElse(""), is("true"));
        assertThat(r.headers().firstValue("Access-Control-Expose-Headers").orElse(""), containsString("Retry-After"));
        assertThat(r.headers().firstValue("Vary").orElse(""), containsString("Origin"));
    }

    @Test
    void anotherOriginGetsNoCorsHeadersSoTheBrowserWithholdsTheAnswer() throws Exception {
        HttpResponse<String> r = send(get("/api/thing").header("Origin", "https://evil.example"));
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin").isPresent(), is(false));
        assertThat(r.headers().firstValue("Access-Control-Allow-Credentials").isPresent(), is(false));
    }

    @Test
    void aPreflightFromAnAllowedOriginIsAnswered204WithTheMethodsAndHeaders() throws Exception {
        HttpResponse<String> r = send(preflight(SITE, "POST"));
        assertThat(r.statusCode(), is(204));
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin").orElse(""), is(SITE));
        assertThat(r.headers().firstValue("Access-Control-Allow-Methods").orElse(""), containsString("POST"));
        assertThat(r.headers().firstValue("Access-Control-Allow-Headers").orElse(""),
                containsString("Last-Event-ID"));
        assertThat(r.headers().firstValue("Access-Control-Max-Age").orElse(""), is("600"));
    }

    @Test
    void aPreflightFromAnotherOriginIsRefusedWithAJsonError() throws Exception {
        HttpResponse<String> r = send(preflight("https://evil.example", "POST"));
        assertThat(r.statusCode(), is(403));
        assertThat(r.body(), containsString("\"code\":\"cors_refused\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PUT", "PATCH", "ST", "GET, POST", "post"})
    void aPreflightForAMethodTheApiDoesNotTakeIsRefused(String method) throws Exception {
        assertThat(method, send(preflight(SITE, method)).statusCode(), is(403));
    }

    @Test
    void pathsOutsideTheApiAreLeftAlone() throws Exception {
        HttpResponse<String> r = send(get("/page").header("Origin", SITE));
        assertThat(r.statusCode(), is(200));
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin").isPresent(), is(false));
        assertThat(r.headers().firstValue("Vary").isPresent(), is(false));
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET();
    }

    private static HttpRequest.Builder preflight(String origin, String method) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/thing"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                .header("Access-Control-Request-Method", method);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
