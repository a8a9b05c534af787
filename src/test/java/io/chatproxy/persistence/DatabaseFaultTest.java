package io.chatproxy.persistence;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
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

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.Events;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * PostgreSQL connections terminated by an administrator while visitors chat: whatever statement a connection dies
 * in (inside the exchange's transaction, its commit, the rollback after it), visitors get the documented 503 or an
 * SSE error event, never a 500.
 */
class DatabaseFaultTest {
    private static final int VISITORS = 4;
    private static final Duration RUN = Duration.ofSeconds(4);

    private PostgresDatabase database;
    private FakeN8n n8n;

    @BeforeEach
    void start() {
        database = PostgresDatabase.create();
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ofMillis(2)));
    }

    @AfterEach
    void stop() {
        n8n.close();
        database.close();
    }

    @Test
    void connectionsKilledMidTransactionGiveOnlyDocumentedErrors() throws Exception {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database).map())) {
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            List<String> unexpected = new ArrayList<>();
            ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            long until = System.nanoTime() + RUN.toNanos();
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<?>> visitors = new ArrayList<>();
            for (int v = 0; v < VISITORS; v++) {
                visitors.add(pool.submit(() -> chatUntil(app, until, outcomes, bad)));
            }
            Future<Integer> killer = pool.submit(() -> killBackends(running, until));
            for (Future<?> f : visitors) {
                f.get();
            }
            running.set(false);
            int killed = killer.get();
            pool.shutdown();
            unexpected.addAll(bad);
            System.out.println("DatabaseFaultTest: killed " + killed + " backends, outcomes " + outcomes);

            assertThat(unexpected, is(empty()));
            assertThat(killed, greaterThan(0));
            assertThat(count(outcomes, "503 database_unavailable"), greaterThan(0));
            assertThat(chatsAgainWithin(app, Duration.ofSeconds(5)), is(true));
        }
    }

    @Test
    void aConnectionDyingInsideTheTransactionOrAtItsCommitGives503() throws Exception {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database).map())) {
            try (Connection c = database.connect(); var s = c.createStatement()) {
                s.execute("CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS "
                        + "$$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$");
                s.execute("CREATE TRIGGER die_in_transaction AFTER INSERT ON chat_messages FOR EACH ROW "
                        + "WHEN (NEW.content = 'die in transaction') EXECUTE FUNCTION die()");
                s.execute("CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON chat_messages "
                        + "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                        + "WHEN (NEW.content = 'die at commit') EXECUTE FUNCTION die()");
            }
            Visitor visitor = app.visitor();
            visitor.createSession();

            assertThat(chat(visitor, "die in transaction"), is("503 database_unavailable"));
            assertThat(chat(visitor, "die at commit"), is("503 database_unavailable"));
            assertThat(chat(visitor, "and then it works again"), is("200 end"));
        }
    }

    @Test
    void aCompleteAnswerIsStoredBeforeEndEvenWhenTheFirstTriesFail() throws Exception {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database).map())) {
            killAnswerStores(2, "complete");
            Visitor visitor = app.visitor();
            visitor.createSession();

            assertThat(chat(visitor, "hello"), is("200 end"));

            JsonNode answer = visitor.history().json().path("messages").get(1);
            assertThat(answer.path("content").asText() + " " + answer.path("status").asText(),
                    is("Echo: hello complete"));
        }
    }

    @Test
    void anAnswerThatCannotBeStoredEndsWithStorageUnavailableInsteadOfEnd() throws Exception {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database).map())) {
            killAnswerStores(1000, "complete");
            Visitor visitor = app.visitor();
            visitor.createSession();

            long started = System.nanoTime();
            assertThat(chat(visitor, "hello"), is("200 error storage_unavailable"));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            System.out.println("DatabaseFaultTest: storage_unavailable after " + tookMillis + " ms");
            assertThat(tookMillis < 10_000, is(true));
        }
    }

    @Test
    void aPartialAnswerIsStoredWithWhatArrivedEvenWhenTheFirstTriesFail() throws Exception {
        n8n.reply(FakeN8n.Reply.closeAfter(FakeN8n.Reply.echoStream(5, Duration.ofMillis(2)), 3));
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database).map())) {
            killAnswerStores(2, "partial");
            Visitor visitor = app.visitor();
            visitor.createSession();

            assertThat(chat(visitor, "hello"), startsWith("200 error "));

            JsonNode answer = visitor.history().json().path("messages").get(1);
            assertThat(answer.path("status").asText(), is("partial"));
            String content = answer.path("content").asText();
            assertThat(content.isEmpty(), is(false));
            assertThat("Echo: hello".startsWith(content), is(true));
        }
    }

    /** The next {@code times} stores of an answer's final text with {@code status} die with their connection. */
    private void killAnswerStores(int times, String status) throws Exception {
        try (Connection c = database.connect(); var s = c.createStatement()) {
            s.execute("CREATE SEQUENCE answer_stores");
            s.execute("CREATE FUNCTION die_storing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF nextval('answer_stores') <= " + times + " THEN "
                    + "PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$");
            s.execute("CREATE TRIGGER die_storing BEFORE UPDATE ON chat_messages FOR EACH ROW "
                    + "WHEN (NEW.status = '" + status + "') EXECUTE FUNCTION die_storing()");
        }
    }

    private static boolean chatsAgainWithin(TestApp app, Duration limit) throws InterruptedException {
        Visitor visitor = app.visitor();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (visitor.sessionId() == null) {
                visitor.createSession();
            } else if (chat(visitor, "after").equals("200 end")) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static int count(Map<String, AtomicInteger> outcomes, String key) {
        AtomicInteger n = outcomes.get(key);
        return n == null ? 0 : n.get();
    }

    private static void chatUntil(TestApp app, long until, Map<String, AtomicInteger> outcomes,
            ConcurrentLinkedQueue<String> bad) {
        Visitor visitor = app.visitor();
        int i = 0;
        while (System.nanoTime() < until) {
            String outcome;
            if (visitor.sessionId() == null) {
                Visitor.Answer created = visitor.createSession();
                outcome = created.status() == 201 ? "201 session" : created.status() + " " + created.errorCode();
            } else {
                outcome = chat(visitor, "message " + i++);
            }
            outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
            if (!outcome.equals("201 session") && !outcome.equals("200 end")
                    && !outcome.equals("503 database_unavailable")
                    && !outcome.equals("200 error storage_unavailable")) {
                bad.add(outcome);
            }
        }
    }

    /** What the visitor saw: status and error code, or for a stream its last event (and error code). */
    static String chat(Visitor visitor, String message) {
        HttpResponse<InputStream> res = visitor.stream(message);
        if (res.statusCode() != 200) {
            String body = Events.read(res);
            String code = body.replaceAll("(?s).*\"code\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            return res.statusCode() + " " + code;
        }
        List<SseEvent> events;
        try (SseReader reader = new SseReader(res.body())) {
            events = reader.all();
        }
        if (events.isEmpty()) {
            return "200 nothing";
        }
        SseEvent last = events.getLast();
        return last.event().equals("error")
                ? "200 error " + Events.json(last).path("code").asText()
                : "200 " + last.event();
    }

    private int killBackends(AtomicBoolean running, long until) throws Exception {
        int killed = 0;
        try (Connection admin = database.connect();
                PreparedStatement kill = admin.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM "
                        + "pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
            kill.setString(1, database.name());
            while (running.get() && System.nanoTime() < until) {
                Thread.sleep(100);
                try (var rs = kill.executeQuery()) {
                    rs.next();
                    killed += rs.getInt(1);
                }
            }
        }
        return killed;
    }
}
