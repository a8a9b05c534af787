package io.chatproxy.resilience;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.AppInternals;
import io.chatproxy.routes.AdmissionGroup;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.FakeN8n.Reply;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static io.chatproxy.testing.Events.read;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

class AdmissionTest {
    private FakeN8n n8n;
    private TestApp app;

    @BeforeEach
    void startN8n() {
        n8n = FakeN8n.start();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        n8n.close();
    }

    @Test
    void aRequestWaitsForAPermitAndIsServedWhenOneFreesUp() throws Exception {
        n8n.reply(Reply.echoStream(5, Duration.ofMillis(200)));
        serve("1", "PT5S", "10");
        Visitor first = visitor();
        Visitor second = visitor();
        HttpResponse<InputStream> holding = first.stream("first");

        long start = System.nanoTime();
        HttpResponse<InputStream> waited = second.stream("second");
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(waited.statusCode(), is(200));
        assertThat(waitedMillis, greaterThanOrEqualTo(300L));
        assertThat(read(waited), containsString("event: end"));
        assertThat(read(holding), containsString("event: end"));
        assertThat(AppInternals.admission(app.app()).admitted(AdmissionGroup.CHAT), is(2L));
    }

    @Test
    void aRequestThatWouldWaitLongerThanMaxWaitGets503WithRetryAfter() throws Exception {
        n8n.reply(Reply.streamForever(Duration.ofMillis(100)));
        serve("1", "PT0.3S", "10");
        HttpResponse<InputStream> holding = visitor().stream("hold");
        new SseReader(holding.body()).next();

        long start = System.nanoTime();
        Visitor.Answer refused = visitor().post("/api/v1/chat/stream", "{\"message\":\"late\"}");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(refused.status(), is(503));
        assertThat(refused.errorCode(), is("server_busy"));
        assertThat(refused.header("Retry-After").orElseThrow(), is("1"));
        assertThat(millis, greaterThanOrEqualTo(250L));
        assertThat(millis, lessThan(3000L));
        holding.body().close();
    }

    @Test
    void aRequestFindingTheLineFullIsRefusedAtOnce() throws Exception {
        n8n.reply(Reply.streamForever(Duration.ofMillis(100)));
        serve("1", "PT10S", "0");
        HttpResponse<InputStream> holding = visitor().stream("hold");
        new SseReader(holding.body()).next();

        long start = System.nanoTime();
        Visitor.Answer refused = visitor().post("/api/v1/chat/stream", "{\"message\":\"no room\"}");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(refused.status(), is(503));
        assertThat(refused.errorCode(), is("server_busy"));
        assertThat(refused.header("Retry-After").orElseThrow(), is("10"));
        assertThat(millis, lessThan(2000L));
        holding.body().close();
    }

    @Test
    void aBurstOfSessionCreationsFarAboveThePermitsIsServedInFull() throws Exception {
        app = TestApp.start(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString(),
                "CHAT_PROXY_RESILIENCE__ADMISSION__SESSION__PERMITS", "2",
                "CHAT_PROXY_RESILIENCE__ADMISSION__SESSION__MAX_WAIT", "PT20S"));
        int burst = 200;
        List<Future<Integer>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < burst; i++) {
                answers.add(pool.submit(() -> visitor().createSession().status()));
            }
        }
        Map<Integer, Integer> byStatus = new HashMap<>();
        for (Future<Integer> answer : answers) {
            byStatus.merge(answer.get(), 1, Integer::sum);
        }

        assertThat(byStatus, is(Map.of(201, burst)));
        assertThat(AppInternals.admission(app.app()).waiting(AdmissionGroup.SESSION), is(0));
    }

    private void serve(String permits, String maxWait, String maxWaiters) {
        app = TestApp.start(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString(),
                "CHAT_PROXY_N8N__IDLE_TIMEOUT", "PT30S",
                "CHAT_PROXY_N8N__MAX_ANSWER_CHARS", "100000",
                "CHAT_PROXY_RESILIENCE__ADMISSION__CHAT__PERMITS", permits,
                "CHAT_PROXY_RESILIENCE__ADMISSION__CHAT__MAX_WAIT", maxWait,
                "CHAT_PROXY_RESILIENCE__ADMISSION__CHAT__MAX_WAITERS", maxWaiters));
    }

    private Visitor visitor() {
        Visitor visitor = app.visitor();
        assertThat(visitor.createSession().status(), is(201));
        return visitor;
    }
}
