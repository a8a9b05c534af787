package io.chatproxy.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.AppInternals;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.RawHttp;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The non-streaming {@code @n8n/chat} answer notices a client that left (through its heartbeat, spaces before the
 * JSON document) and is then stopped, or counted in the background-answer cap, exactly like a streamed answer.
 */
class WholeAnswerCapTest {
    private static final String URL = "/api/v1/n8n/chat";

    private FakeN8n n8n;
    private TestApp app;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        n8n.close();
    }

    private void serve(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString(),
                "CHAT_PROXY_CHAT__HEARTBEAT_INTERVAL", "PT0.1S"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        app = TestApp.start(env);
    }

    @Test
    void aClientThatLeavesAWholeAnswerStopsIt() throws Exception {
        n8n.reply(FakeN8n.Reply.streamForever(Duration.ofMillis(100)));
        serve("CHAT_PROXY_RESILIENCE__CONTINUE_ON_DISCONNECT", "false");

        sendAndLeave(UUID.randomUUID().toString());

        assertThat(awaitOpenAnswers(0, 10_000), is(0));
    }

    @Test
    void abandonedWholeAnswersCountInTheBackgroundCap() throws Exception {
        n8n.reply(FakeN8n.Reply.streamForever(Duration.ofMillis(100)));
        serve("CHAT_PROXY_RESILIENCE__CONTINUE_ON_DISCONNECT", "true",
                "CHAT_PROXY_RESILIENCE__MAX_BACKGROUND_ANSWERS_PER_SESSION", "1");
        String widgetSession = UUID.randomUUID().toString();

        sendAndLeave(widgetSession);
        sendAndLeave(widgetSession);

        // one goes on in the background, the other is stopped
        assertThat(awaitOpenAnswers(1, 10_000), is(1));
        Thread.sleep(500);
        assertThat(AppInternals.activeStreams(app.app()).count(), is(1));
    }

    @Test
    void aSlowWholeAnswerIsStillOneJsonDocument() {
        n8n.reply(FakeN8n.Reply.echoStream(5, Duration.ofMillis(150)));
        serve();
        Visitor widget = app.visitor();

        Visitor.Answer answer = widget.post(URL, "{\"action\":\"sendMessage\",\"sessionId\":\""
                + UUID.randomUUID() + "\",\"chatInput\":\"take your time\"}");

        assertThat(answer.status(), is(200));
        assertThat(answer.body().startsWith(" "), is(true)); // the heartbeats came before the document
        assertThat(answer.json().get("output").asText(), is("Echo: take your time"));
    }

    /** Sends a non-streaming sendMessage, waits until n8n is answering, then drops the connection. */
    private void sendAndLeave(String widgetSession) throws InterruptedException {
        int before = n8n.requests().size();
        byte[] body = ("{\"action\":\"sendMessage\",\"sessionId\":\"" + widgetSession
                + "\",\"chatInput\":\"never mind\"}").getBytes(StandardCharsets.UTF_8);
        byte[] request = RawHttp.request("POST", URL, Map.of("Content-Type", "application/json",
                "Origin", TestApp.ORIGIN, "User-Agent", "Mozilla/5.0 (WholeAnswerCapTest)"), body);
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            long deadline = System.currentTimeMillis() + 10_000;
            while (n8n.requests().size() == before && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int awaitOpenAnswers(int expected, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (AppInternals.activeStreams(app.app()).count() != expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        return AppInternals.activeStreams(app.app()).count();
    }
}
