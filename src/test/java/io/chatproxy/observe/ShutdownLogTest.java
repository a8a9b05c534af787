package io.chatproxy.observe;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.FakeN8n.Reply;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/** A real chat-proxy process gets SIGTERM with a stream open: everything the drain did is in its log. */
class ShutdownLogTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    @Test
    void theDrainAndTheRequestsAnsweredDuringItAreLoggedAfterSigterm() throws Exception {
        try (FakeN8n n8n = FakeN8n.start()) {
            n8n.reply(Reply.streamForever(Duration.ofMillis(100)));
            Path dir = Files.createTempDirectory("chat-proxy-sigterm");
            Path log = dir.resolve("out.log");
            ProcessBuilder builder = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.chatproxy.Main")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.putAll(TestApp.baseEnv());
            env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
            env.put("CHAT_PROXY_N8N__IDLE_TIMEOUT", "PT30S");
            env.put("CHAT_PROXY_N8N__MAX_ANSWER_CHARS", "100000");
            env.put("CHAT_PROXY_RESILIENCE__DRAIN_TIMEOUT", "PT2S");
            Process process = builder.start();
            try {
                Visitor visitor = new Visitor(URI.create("http://127.0.0.1:" + port(log)), TestApp.ORIGIN,
                        "Mozilla/5.0 (SIGTERM test)");
                assertThat(visitor.createSession().status(), is(201));
                HttpResponse<InputStream> stream = visitor.stream("a long answer");
                SseReader reader = new SseReader(stream.body());
                reader.next();

                process.destroy();
                awaitLine(log, "Draining: 1 open streams");
                Visitor.Answer duringDrain = visitor.get("/api/v1/session/validate");
                HttpResponse<InputStream> refused = visitor.stream("a new question");
                reader.all();

                assertThat(process.waitFor(30, TimeUnit.SECONDS), is(true));
                String out = Files.readString(log, StandardCharsets.UTF_8);
                assertThat(duringDrain.status(), is(200));
                assertThat(refused.statusCode(), is(503));
                assertThat(out, containsString("\"POST /api/v1/chat/stream HTTP/1.1\" 503 "));
                assertThat(out, containsString("Drain timeout: ending 1 open streams"));
                assertThat(out, containsString("drained: 0 streams finished, 1 ended"));
                int drainAt = out.indexOf("Draining: 1 open streams");
                assertThat(out.indexOf("\"GET /api/v1/session/validate", drainAt), greaterThan(drainAt));
                assertThat(out.indexOf("\"POST /api/v1/chat/stream", drainAt), greaterThan(drainAt));
            } finally {
                process.destroyForcibly();
            }
        }
    }

    private static int port(Path log) throws IOException, InterruptedException {
        Matcher m = LISTENING.matcher(awaitLine(log, "listening on http://"));
        assertThat(m.find(), is(true));
        return Integer.parseInt(m.group(1));
    }

    private static String awaitLine(Path log, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (out.contains(text)) {
                return out;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + text + "' in\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
}
