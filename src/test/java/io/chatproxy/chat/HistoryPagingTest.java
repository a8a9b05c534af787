package io.chatproxy.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * History and {@code loadPreviousSession} return the newest messages a page at a time, with a cursor to older ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryPagingTest {
    private static final String N8N_URL = "/api/v1/n8n/chat";
    private static final int EXCHANGES = 7;

    private FakeN8n n8n;
    private PostgresDatabase database;
    private TestApp app;

    @BeforeAll
    void start() {
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(1, Duration.ZERO));
        database = PostgresDatabase.create();
        app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database)
                .set("CHAT_PROXY_CHAT__HISTORY__PAGE_SIZE", "4", "CHAT_PROXY_CHAT__HISTORY__MAX_PAGE_SIZE", "6")
                .map());
    }

    @AfterAll
    void stop() {
        app.close();
        database.close();
        n8n.close();
    }

    @Test
    void historyReturnsTheNewestPageAndACursorThroughEveryOlderMessage() {
        Visitor visitor = app.visitor();
        visitor.createSession();
        for (int i = 1; i <= EXCHANGES; i++) {
            visitor.chat("question " + i);
        }
        String path = "/api/v1/chat/history/" + visitor.sessionId();

        JsonNode newest = visitor.get(path).json();
        assertThat(contents(newest.get("messages")), is(List.of("question 6", "Echo: question 6", "question 7",
                "Echo: question 7")));

        List<String> all = new ArrayList<>(contents(newest.get("messages")));
        JsonNode page = newest;
        int pages = 1;
        while (!page.get("older_cursor").isNull()) {
            page = visitor.get(path + "?before=" + page.get("older_cursor").asText()).json();
            all.addAll(0, contents(page.get("messages")));
            pages++;
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= EXCHANGES; i++) {
            expected.add("question " + i);
            expected.add("Echo: question " + i);
        }
        assertThat(all, is(expected));
        assertThat(pages, is(4));
        assertThat(visitor.get(path + "?limit=6").json().get("messages").size(), is(6));
    }

    @Test
    void badCursorOrLimitIsA400WithAJsonError() {
        Visitor visitor = app.visitor();
        visitor.createSession();
        String path = "/api/v1/chat/history/" + visitor.sessionId();

        for (String query : List.of("?before=abc", "?before=-1", "?before=0", "?before=99999999999", "?before=")) {
            Visitor.Answer answer = visitor.get(path + query);
            assertThat(query, answer.status(), is(400));
            assertThat(query, answer.errorCode(), is("invalid_cursor"));
        }
        for (String query : List.of("?limit=7", "?limit=0", "?limit=x", "?limit=-3", "?limit=1e3")) {
            Visitor.Answer answer = visitor.get(path + query);
            assertThat(query, answer.status(), is(400));
            assertThat(query, answer.errorCode(), is("invalid_limit"));
        }
    }

    @Test
    void loadPreviousSessionReturnsTheNewestPageWithTheCursor() {
        Visitor widget = app.visitor();
        String sessionId = UUID.randomUUID().toString();
        for (int i = 1; i <= 3; i++) {
            assertThat(widget.post(N8N_URL, send(sessionId, "q" + i)).status(), is(200));
        }
        String load = "{\"action\":\"loadPreviousSession\",\"sessionId\":\"" + sessionId + "\"}";

        JsonNode newest = widget.post(N8N_URL, load).json();
        JsonNode older = widget.post(N8N_URL + "?before=" + newest.get("older_cursor").asText(), load).json();
        Visitor.Answer bad = widget.post(N8N_URL + "?limit=500", load);

        assertThat(langChainContents(newest.get("data")), is(List.of("q2", "Echo: q2", "q3", "Echo: q3")));
        assertThat(langChainContents(older.get("data")), is(List.of("q1", "Echo: q1")));
        assertThat(older.has("older_cursor"), is(false));
        assertThat(bad.status(), is(400));
        assertThat(bad.errorCode(), is("invalid_limit"));
    }

    private static String send(String sessionId, String text) {
        return "{\"action\":\"sendMessage\",\"sessionId\":\"" + sessionId + "\",\"chatInput\":\"" + text + "\"}";
    }

    private static List<String> contents(JsonNode messages) {
        List<String> list = new ArrayList<>();
        messages.forEach(m -> list.add(m.get("content").asText()));
        return list;
    }

    private static List<String> langChainContents(JsonNode data) {
        List<String> list = new ArrayList<>();
        data.forEach(m -> list.add(m.get("kwargs").get("content").asText()));
        return list;
    }
}
