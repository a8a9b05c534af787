package io.chatproxy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.brotli.dec.BrotliInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

class WidgetAssetsTest {
    private static final String LONG = "public, max-age=31536000, immutable";
    private static final Pattern SOURCE_MAP = Pattern.compile("\n//# sourceMappingURL=(\\S+)\n$");

    private static TestApp app;
    private static Visitor visitor;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        app = TestApp.start(Map.of("N8N_WEBHOOK_URL", "http://127.0.0.1:9/webhook"));
        visitor = app.visitor();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        app.close();
    }

    @Test
    void widgetJsAndCssRedirectBrieflyCachedToFilesNamedByTheirContentHashCachedForAYear() throws Exception {
        for (String[] file : new String[][]{{"/widget.js", "js", "text/javascript; charset=utf-8"},
                {"/widget.css", "css", "text/css; charset=utf-8"}}) {
            Visitor.Answer redirect = visitor.get(file[0]);

            assertThat(file[0], redirect.status(), is(302));
            assertThat(redirect.header("Cache-Control").orElseThrow(), containsString("public, max-age=300"));
            assertThat(redirect.header("Access-Control-Allow-Origin").orElseThrow(), is("*"));
            String location = redirect.header("Location").orElseThrow();
            assertThat(location, location.matches("widget\\.[0-9a-f]{10}\\." + file[1]), is(true));

            Visitor.Answer hashed = visitor.get("/" + location);

            assertThat(location, hashed.status(), is(200));
            assertThat(hashed.header("Content-Type").orElseThrow(), is(file[2]));
            assertThat(hashed.header("Cache-Control").orElseThrow(), is(LONG));
            assertThat(hashed.header("Cross-Origin-Resource-Policy").orElseThrow(), is("cross-origin"));
            assertThat(hashed.header("Access-Control-Allow-Origin").orElseThrow(), is("*"));
            assertThat(hashed.header("Set-Cookie").isPresent(), is(false));
            String code = SOURCE_MAP.matcher(hashed.body()).replaceFirst("");
            assertThat("the name is the hash of the content", location,
                    is("widget." + sha256(code).substring(0, 10) + "." + file[1]));
            assertThat("minified: no comment survives", code.contains("\n * "), is(false));
        }
    }

    @Test
    void theLoaderIsBrieflyCachedRevalidatesAndImportsTheHashedWidget() {
        String script = visitor.get("/widget.js").header("Location").orElseThrow();
        Visitor.Answer loader = visitor.get("/chat-loader.js");

        assertThat(loader.status(), is(200));
        assertThat(loader.header("Content-Type").orElseThrow(), is("text/javascript; charset=utf-8"));
        assertThat(loader.header("Cache-Control").orElseThrow(), containsString("public, max-age=300"));
        assertThat(loader.body(), containsString("'" + script + "'"));
        String etag = loader.header("ETag").orElseThrow();

        Visitor.Answer again = visitor.send(visitor.request("/chat-loader.js").header("If-None-Match", etag).GET());

        assertThat(again.status(), is(304));
        assertThat(again.body(), is(""));
        assertThat(again.header("Content-Type").orElseThrow(), is("text/javascript; charset=utf-8"));
        assertThat(again.header("Cache-Control").orElseThrow(), containsString("public"));
    }

    @Test
    void theWidgetHasASourceMapAndFetchesLanguagePacksByHashedNames() {
        String script = visitor.get("/widget.js").header("Location").orElseThrow();
        String body = visitor.get("/" + script).body();
        Matcher map = SOURCE_MAP.matcher(body);
        assertThat(map.find(), is(true));

        Visitor.Answer sourceMap = visitor.get("/" + map.group(1));

        assertThat(sourceMap.status(), is(200));
        assertThat(sourceMap.header("Cache-Control").orElseThrow(), is(LONG));
        assertThat(sourceMap.json().get("sources").get(0).asText(), is("widget.js"));
        assertThat(sourceMap.json().get("sourcesContent").get(0).asText(), containsString("function createSseParser"));

        Matcher pack = Pattern.compile("[\"'](widget\\.\\{lang}\\.[0-9a-f]{10}\\.json)[\"']").matcher(body);
        assertThat(pack.find(), is(true));
        Visitor.Answer german = visitor.get("/" + pack.group(1).replace("{lang}", "de"));

        assertThat(german.status(), is(200));
        assertThat(german.header("Cache-Control").orElseThrow(), is(LONG));
        assertThat(german.json().get("conversation").asText(), is("Gespräch"));
        assertThat(body.contains("Gespräch"), is(false));
    }

    @Test
    void anEarlierReleasesHashedNameRedirectsUncachedToTheCurrentFileAndOtherNamesAreNotFound() {
        String script = visitor.get("/widget.js").header("Location").orElseThrow();

        Visitor.Answer old = visitor.get("/widget.0123456789.js");

        assertThat(old.status(), is(302));
        assertThat(old.header("Location").orElseThrow(), is(script));
        assertThat(old.header("Cache-Control").orElseThrow(), is("no-store"));
        assertThat(visitor.get("/widget.0123456789.css").header("Location").orElseThrow(),
                is(visitor.get("/widget.css").header("Location").orElseThrow()));
        assertThat(visitor.get("/widget.de.0123456789.json").header("Location").orElseThrow()
                .matches("widget\\.de\\.[0-9a-f]{10}\\.json"), is(true));
        for (String missing : new String[]{"/widget.0123456789.js.map", "/widget.xx.0123456789.json",
                "/widget.nothing.txt"}) {
            Visitor.Answer answer = visitor.get(missing);
            assertThat(missing, answer.status(), is(404));
            assertThat(missing, answer.errorCode(), is("not_found"));
        }
    }

    @Test
    void filesGoOutBrotliOrGzipCompressedAsAcceptedWithVaryAndAnEtagPerEncoding() throws Exception {
        String script = visitor.get("/widget.js").header("Location").orElseThrow();
        String style = visitor.get("/widget.css").header("Location").orElseThrow();
        for (String file : new String[]{"/" + script, "/" + style, "/chat-loader.js"}) {
            byte[] plain = visitor.get(file).body().getBytes(StandardCharsets.UTF_8);

            HttpResponse<byte[]> br = fetch(file, "gzip, deflate, br, zstd", null);
            HttpResponse<byte[]> gzip = fetch(file, "br;q=0, gzip;q=0.8, *;q=0.1", null);
            HttpResponse<byte[]> identity = fetch(file, "gzip;q=0, br;q=0", null);

            assertThat(file, br.headers().firstValue("Content-Encoding").orElse(""), is("br"));
            assertThat(file, new BrotliInputStream(new ByteArrayInputStream(br.body())).readAllBytes(), is(plain));
            assertThat(file, gzip.headers().firstValue("Content-Encoding").orElse(""), is("gzip"));
            assertThat(file, new GZIPInputStream(new ByteArrayInputStream(gzip.body())).readAllBytes(), is(plain));
            assertThat(file, br.body().length, lessThan(gzip.body().length));
            assertThat(file, identity.headers().firstValue("Content-Encoding").isPresent(), is(false));
            assertThat(file, identity.body(), is(plain));
            for (HttpResponse<byte[]> each : java.util.List.of(br, gzip, identity)) {
                assertThat(file, each.headers().firstValue("Vary").orElse(""), containsString("Accept-Encoding"));
            }
            String brTag = br.headers().firstValue("ETag").orElseThrow();
            assertThat(file, brTag, not(gzip.headers().firstValue("ETag").orElseThrow()));
            assertThat(file, brTag, not(identity.headers().firstValue("ETag").orElseThrow()));
            assertThat(file, fetch(file, "br", brTag).statusCode(), is(304));
        }
    }

    @Test
    void theWidgetAndItsStylesAreAtMostTwelveKilobytesOnTheWireWithBrotli() throws Exception {
        String script = visitor.get("/widget.js").header("Location").orElseThrow();
        String style = visitor.get("/widget.css").header("Location").orElseThrow();

        int total = fetch("/" + script, "br", null).body().length + fetch("/" + style, "br", null).body().length;

        assertThat(total, lessThan(12_001));
    }

    private static HttpResponse<byte[]> fetch(String path, String acceptEncoding, String ifNoneMatch)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = visitor.request(path).header("Accept-Encoding", acceptEncoding).GET();
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
