package io.chatproxy.persistence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
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
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong firstSuccessAfterRestart = new AtomicLong();
            AtomicLong acceptingSince = new AtomicLong(Long.MAX_VALUE);
            List<Chatter> chatters = new ArrayList<>();
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<?>> futures = new ArrayList<>();
            for (int v = 0; v < VISITORS; v++) {
                Chatter chatter = new Chatter(app.visitor());
                chatters.add(chatter);
                futures.add(pool.submit(() -> chatter.run(running, outcomes, unexpected, acceptingSince,
                        firstSuccessAfterRestart)));
            }
            long warmUp = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (count(outcomes, "200 end") < 2 * VISITORS && System.nanoTime() < warmUp) {
                Thread.sleep(50);
            }
            postgres.stopImmediate();
            Thread.sleep(OUTAGE.toMillis());
            postgres.startAgain();
            long accepting = System.nanoTime();
            acceptingSince.set(accepting);
            Visitor probe = app.visitor();
            long healthyAfter = -1;
            while (System.nanoTime() - accepting < Duration.ofSeconds(10).toNanos()) {
                if (probe.get("/health").status() == 200) {
                    healthyAfter = (System.nanoTime() - accepting) / 1_000_000;
                    break;
                }
                Thread.sleep(50);
            }
            long settle = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (firstSuccessAfterRestart.get() == 0 && System.nanoTime() < settle) {
                Thread.sleep(50);
            }
            Thread.sleep(500);
            running.set(false);
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            long chatsBackAfter = firstSuccessAfterRestart.get() == 0
                    ? -1
                    : (firstSuccessAfterRestart.get() - accepting) / 1_000_000;

            List<String> lost = new ArrayList<>();
            int seenComplete = 0;
            for (Chatter chatter : chatters) {
                seenComplete += chatter.seenComplete.size();
                lost.addAll(chatter.missingFromHistory());
            }
            System.out.printf("DatabaseOutageTest: %d visitors, outcomes %s, %d seen complete, %d lost; "
                    + "chats back %d ms and /health healthy %d ms after PostgreSQL accepts connections%n",
                    VISITORS, outcomes, seenComplete, lost.size(), chatsBackAfter, healthyAfter);

            assertThat(List.copyOf(unexpected), is(empty()));
            assertThat(lost, is(empty()));
            assertThat(seenComplete, greaterThan(0));
            // the aim is 1 s and 2 s (measured 985 ms and 2073 ms); slack for a loaded CI machine
            assertThat(chatsBackAfter >= 0 && chatsBackAfter <= 1500, is(true));
            assertThat(healthyAfter >= 0 && healthyAfter <= 3500, is(true));
        }
    }

    private static int count(Map<String, AtomicInteger> outcomes, String key) {
        AtomicInteger n = outcomes.get(key);
        return n == null ? 0 : n.get();
    }

    /** One visitor chatting in a loop, remembering every message whose answer it saw end. */
    private static final class Chatter {
        private final Visitor visitor;
        private final List<String> seenComplete = new ArrayList<>();

        Chatter(Visitor visitor) {
            this.visitor = visitor;
        }

        void run(AtomicBoolean running, Map<String, AtomicInteger> outcomes, ConcurrentLinkedQueue<String> unexpected,
                AtomicLong acceptingSince, AtomicLong firstSuccessAfterRestart) {
            int i = 0;
            while (running.get()) {
                String outcome;
                String message = "m" + i++;
                long sent = System.nanoTime();
                try {
                    if (visitor.sessionId() == null) {
                        Visitor.Answer created = visitor.createSession();
                        outcome = created.status() == 201
                                ? "201 session"
                                : created.status() + " " + created.errorCode();
                    } else {
                        outcome = DatabaseFaultTest.chat(visitor, message);
                    }
                } catch (RuntimeException e) {
                    outcome = "exception " + e;
                }
                outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                switch (outcome) {
                    case "200 end" -> {
                        seenComplete.add(message);
                        if (sent >= acceptingSince.get()) {
                            firstSuccessAfterRestart.compareAndSet(0, System.nanoTime());
                        }
                    }
                    case "201 session", "503 database_unavailable", "200 error storage_unavailable" -> {
                        if (!outcome.startsWith("201")) {
                            pause(100);
                        }
                    }
                    default -> unexpected.add(outcome);
                }
            }
        }

        List<String> missingFromHistory() {
            if (visitor.sessionId() == null) {
                return List.of();
            }
            Map<String, String> answers = new ConcurrentHashMap<>();
            JsonNode messages = visitor.history().json().path("messages");
            for (int i = 0; i + 1 < messages.size(); i++) {
                JsonNode m = messages.get(i);
                JsonNode next = messages.get(i + 1);
                if (m.path("role").asText().equals("user") && next.path("role").asText().equals("assistant")) {
                    answers.put(m.path("content").asText(),
                            next.path("status").asText() + " " + next.path("content").asText());
                }
            }
            return seenComplete.stream()
                    .filter(message -> !("complete Echo: " + message).equals(answers.get(message)))
                    .map(message -> message + " -> " + answers.get(message))
                    .toList();
        }

        private static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
