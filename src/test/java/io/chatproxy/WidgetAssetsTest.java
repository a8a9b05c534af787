package io.chatproxy;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;

import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

class WidgetAssetsTest {
    @Test
    void widgetFilesAreServedForEmbeddingAndRevalidateWithoutJson() {
        try (TestApp app = TestApp.start(Map.of("N8N_WEBHOOK_URL", "http://127.0.0.1:9/webhook"))) {
            Visitor visitor = app.visitor();
            for (String[] file : new String[][]{{"/widget.js", "text/javascript; charset=utf-8"},
                    {"/widget.css", "text/css; charset=utf-8"},
                    {"/chat-loader.js", "text/javascript; charset=utf-8"}}) {
                Visitor.Answer answer = visitor.get(file[0]);

                assertThat(answer.status(), is(200));
                assertThat(answer.header("Content-Type").orElseThrow(), is(file[1]));
                assertThat(answer.header("Cache-Control").orElseThrow(), containsString("public, max-age=300"));
                assertThat(answer.header("Cross-Origin-Resource-Policy").orElseThrow(), is("cross-origin"));
                assertThat(answer.header("Access-Control-Allow-Origin").orElseThrow(), is("*"));
                assertThat(answer.header("Set-Cookie").isPresent(), is(false));
                String etag = answer.header("ETag").orElseThrow();

                Visitor.Answer again = visitor.send(visitor.request(file[0]).header("If-None-Match", etag).GET());

                assertThat(again.status(), is(304));
                assertThat(again.body(), is(""));
                assertThat(again.header("Content-Type").orElseThrow(), is(file[1]));
                assertThat(again.header("Cache-Control").orElseThrow(), containsString("public"));
            }
            Visitor.Answer page = visitor.get("/demo.css");
            String etag = page.header("ETag").orElse(null);
            if (etag != null) {
                Visitor.Answer revalidated = visitor.send(visitor.request("/demo.css").header("If-None-Match", etag)
                        .GET());
                assertThat(revalidated.status(), is(304));
                assertThat(revalidated.header("Content-Type").orElse("").contains("json"), is(false));
            }
            assertThat(visitor.send(visitor.request("/widget.js").method("HEAD",
                    HttpRequest.BodyPublishers.noBody())).status() < 500, is(true));
        }
    }

    @Test
    void widgetFilesAreSentGzippedToClientsThatAcceptItWithVaryAndTheirOwnEtag() throws Exception {
        try (TestApp app = TestApp.start(Map.of("N8N_WEBHOOK_URL", "http://127.0.0.1:9/webhook"));
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            Visitor visitor = app.visitor();
            for (String file : new String[]{"/widget.js", "/widget.css", "/chat-loader.js"}) {
                byte[] plain = visitor.get(file).body().getBytes(StandardCharsets.UTF_8);

                HttpResponse<byte[]> zipped = client.send(visitor.request(file)
                        .header("Accept-Encoding", "br;q=1.0, gzip;q=0.8, *;q=0.1").GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());

                assertThat(file, zipped.statusCode(), is(200));
                assertThat(file, zipped.headers().firstValue("Content-Encoding").orElse(""), is("gzip"));
                assertThat(file, zipped.headers().firstValue("Vary").orElse(""), containsString("Accept-Encoding"));
                assertThat(file, new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes(),
                        is(plain));
                assertThat(file, zipped.body().length < plain.length, is(true));
                String etag = zipped.headers().firstValue("ETag").orElseThrow();
                assertThat(file, etag, not(visitor.get(file).header("ETag").orElseThrow()));
                HttpResponse<byte[]> revalidated = client.send(visitor.request(file).header("Accept-Encoding", "gzip")
                        .header("If-None-Match", etag).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(file, revalidated.statusCode(), is(304));

                HttpResponse<byte[]> refused = client.send(visitor.request(file).header("Accept-Encoding", "gzip;q=0")
                        .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(file, refused.headers().firstValue("Content-Encoding").isPresent(), is(false));
                assertThat(file, refused.headers().firstValue("Vary").orElse(""), containsString("Accept-Encoding"));
                assertThat(file, refused.body(), is(plain));
            }
        }
    }
}
