package io.chatproxy.chat;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The endpoint for n8n's official {@code @n8n/chat} widget, driven the way the widget (1.37) calls it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class N8nChatCompatibilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String URL = "/api/v1/n8n/chat";

    private FakeN8n n8n;
    private TestApp app;

    @BeforeAll
    void start() {
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ofMillis(10)));
        app = TestApp.start(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString()));
    }

    @AfterAll
    void stop() {
        app.close();
        n8n.close();
    }

    @Test
    void sendMessageWithoutStreamingAnswersOutput() throws Exception {
        Visitor widget = app.visitor();
        String sessionId = UUID.randomUUID().toString();

        Visitor.Answer answer = widget.post(URL, body("sendMessage", sessionId, "Hello there"));

        assertThat(answer.status(), is(200));
        assertThat(answer.json().get("output").asText(), is("Echo: Hello there"));
        JsonNode forwarded = JSON.readTree(n8n.requests().getLast().body());
        assertThat(forwarded.get("chatInput").asText(), is("Hello there"));
        assertThat(forwarded.get("sessionId").asText().equals(sessionId), is(false));
    }

    @Test
    void sendMessageWithStreamingAnswersN8nNdjson() throws Exception {
        Visitor widget = app.visitor();

        Visitor.Answer answer = widget.send(widget.request(URL).header("Content-Type", "application/json")
                .header("Accept", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(
                        body("sendMessage", UUID.randomUUID().toString(),
                                "stream it"))));

        assertThat(answer.status(), is(200));
        List<String> lines = answer.body().lines().toList();
        assertThat(JSON.readTree(lines.getFirst()).get("type").asText(), is("begin"));
        assertThat(JSON.readTree(lines.getLast()).get("type").asText(), is("end"));
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            JsonNode node = JSON.readTree(line);
            if (node.get("type").asText().equals("item")) {
                text.append(node.get("content").asText());
            }
        }
        assertThat(text.toString(), is("Echo: stream it"));
    }

    @Test
    void loadPreviousSessionReturnsHistoryInLangChainShape() {
        Visitor widget = app.visitor();
        String sessionId = UUID.randomUUID().toString();
        widget.post(URL, body("sendMessage", sessionId, "first question"));

        JsonNode data = widget.post(URL, body("loadPreviousSession", sessionId, null)).json().get("data");

        assertThat(data.size(), is(2));
        assertThat(data.get(0).get("id").get(2).asText(), is("HumanMessage"));
        assertThat(data.get(0).get("kwargs").get("content").asText(), is("first question"));
        assertThat(data.get(1).get("id").get(2).asText(), is("AIMessage"));
        assertThat(data.get(1).get("kwargs").get("content").asText(), is("Echo: first question"));
    }

    @Test
    void getRequestsWithQueryParametersWorkToo() {
        Visitor widget = app.visitor();
        String sessionId = UUID.randomUUID().toString();

        Visitor.Answer sent = widget.get(URL + "?action=sendMessage&sessionId=" + sessionId + "&chatInput="
                + URLEncoder.encode("via GET", StandardCharsets.UTF_8));
        Visitor.Answer loaded = widget.get(URL + "?action=loadPreviousSession&sessionId=" + sessionId);

        assertThat(sent.json().get("output").asText(), is("Echo: via GET"));
        assertThat(loaded.json().get("data").size(), is(2));
    }

    @Test
    void anotherBrowserWithTheSameSessionIdSeesNothing() {
        String sessionId = UUID.randomUUID().toString();
        app.visitor().post(URL, body("sendMessage", sessionId, "my secret question"));

        Visitor.Answer stolen = app.visitor().post(URL, body("loadPreviousSession", sessionId, null));

        assertThat(stolen.status(), is(200));
        assertThat(stolen.json().get("data").size(), is(0));
    }

    @Test
    void theSameIdFromAnotherSiteIsAnotherSession() {
        Visitor widget = app.visitor();
        String sessionId = UUID.randomUUID().toString();
        widget.post(URL, body("sendMessage", sessionId, "on the shop"));

        Visitor.Answer elsewhere = widget.origin("http://localhost:3000")
                .post(URL, body("loadPreviousSession", sessionId, null));

        assertThat(elsewhere.json().get("data").size(), is(0));
    }

    @Test
    void errorsCarryAReadableMessageForTheNonStreamingWidget() {
        Visitor.Answer answer = app.visitor().post(URL, body("dance", UUID.randomUUID().toString(), "hi"));

        assertThat(answer.status(), is(400));
        assertThat(answer.json().get("message").asText(), is(answer.json().get("error").get("message").asText()));
    }

    @Test
    void aCutAnswerSaysSoWithoutStreaming() {
        n8n.reply(FakeN8n.Reply.stream(Duration.ZERO, "{\"type\":\"item\",\"content\":\"half an \"}",
                "{\"type\":\"error\",\"content\":\"boom\"}"));
        try {
            Visitor.Answer answer = app.visitor().post(URL, body("sendMessage", UUID.randomUUID().toString(), "x"));

            assertThat(answer.json().get("output").asText().startsWith("half an "), is(true));
            assertThat(answer.json().get("output").asText().contains("cut short"), is(true));
        } finally {
            n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ofMillis(10)));
        }
    }

    @Test
    void refusesOriginsNotAllowed() {
        Visitor.Answer answer = app.visitor().origin("https://evil.example")
                .post(URL, body("sendMessage", UUID.randomUUID().toString(), "hi"));

        assertThat(answer.status(), is(403));
        assertThat(answer.errorCode(), is("origin_not_allowed"));
    }

    @Test
    void refusesBadInput() {
        Visitor widget = app.visitor();

        assertThat(widget.post(URL, body("sendMessage", "short", "hi")).errorCode(), is("invalid_session_id"));
        assertThat(widget.post(URL, body("dance", UUID.randomUUID().toString(), "hi")).errorCode(),
                is("unknown_action"));
        assertThat(widget.post(URL, body("sendMessage", UUID.randomUUID().toString(), null)).errorCode(),
                is("missing_field"));
        Visitor.Answer files = widget.send(widget.request(URL).header("Content-Type", "multipart/form-data; boundary=x")
                .POST(HttpRequest.BodyPublishers.ofString("--x--")));
        assertThat(files.status(), is(415));
    }

    private static String body(String action, String sessionId, String chatInput) {
        try {
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("action", action);
            body.put("sessionId", sessionId);
            if (chatInput != null) {
                body.put("chatInput", chatInput);
            }
            return JSON.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
