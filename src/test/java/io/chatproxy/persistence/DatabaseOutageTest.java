package io.chatproxy.persistence;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresProcess;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * PostgreSQL of the test's own stopped for 10 s ({@code immediate}: as if its machine died) and started again while
 * visitors chat through one chat-proxy: visitors see only documented errors, nothing they saw complete is lost, and
 * chats come back quickly.
 */
class DatabaseOutageTest {
    private static final int VISITORS = 10;
    private static final Duration OUTAGE = Duration.ofSeconds(10);

    private PostgresProcess postgres;
    private FakeN8n n8n;

    @BeforeEach
    void start() {
        postgres = PostgresProcess.start();
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(4, Duration.ofMillis(40)));
    }

    @AfterEach
    void stop() {
        if (n8n != null) {
            n8n.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aTenSecondOutageLosesNothingSeenCompleteAndShowsOnlyDocumentedErrors() throws Exception {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).set("DATABASE_URL", postgres.url()).map())) {
            ChatTraffic traffic = ChatTraffic.start(app, VISITORS);
            traffic.awaitCompleted(2 * VISITORS, Duration.ofSeconds(5));
            Visitor probe = app.visitor();
            postgres.stopImmediate();
            long stopped = System.nanoTime();
            long unhealthyAfter = -1;
            while (System.nanoTime() - stopped < OUTAGE.toNanos()) {
                if (unhealthyAfter < 0 && probe.get("/health").status() == 503) {
                    unhealthyAfter = (System.nanoTime() - stopped) / 1_000_000;
                }
                Thread.sleep(50);
            }
            postgres.startAgain();
            long accepting = traffic.mark();
            long healthyAfter = -1;
            while (System.nanoTime() - accepting < Duration.ofSeconds(10).toNanos()) {
                if (probe.get("/health").status() == 200) {
                    healthyAfter = (System.nanoTime() - accepting) / 1_000_000;
                    break;
                }
                Thread.sleep(50);
            }
            long chatsBackAfter = traffic.millisToFirstSuccess(Duration.ofSeconds(5));
            Thread.sleep(500);
            traffic.stop();
            List<String> lost = traffic.lost();
            System.out.printf("DatabaseOutageTest: %d visitors, outcomes %s, %d seen complete, %d lost; /health "
                    + "unhealthy %d ms after the stop; chats back %d ms and /health healthy %d ms after PostgreSQL "
                    + "accepts connections%n", VISITORS, traffic.outcomes(), traffic.seenComplete(), lost.size(),
                    unhealthyAfter, chatsBackAfter, healthyAfter);

            assertThat(traffic.unexpected(), is(empty()));
            assertThat(lost, is(empty()));
            assertThat(traffic.seenComplete(), greaterThan(0));
            // the aims are 1 s (chats) and 2 s (/health); slack for a loaded CI machine
            assertThat(chatsBackAfter >= 0 && chatsBackAfter <= 1500, is(true));
            assertThat(healthyAfter >= 0 && healthyAfter <= 2500, is(true));
            assertThat(unhealthyAfter >= 0 && unhealthyAfter <= 3000, is(true));
        }
    }
}
