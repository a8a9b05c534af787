package io.chatproxy.chat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.FakeN8n.Reply;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.RedisServer;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static io.chatproxy.testing.Events.json;
import static io.chatproxy.testing.Events.names;
import static io.chatproxy.testing.Events.read;
import static io.chatproxy.testing.Events.text;

/**
 * An answer survives a dropped connection, a reload, another replica and the death of the replica relaying it.
 */
class ResumableStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] TEN = {"c1 ", "c2 ", "c3 ", "c4 ", "c5 ", "c6 ", "c7 ", "c8 ", "c9 ", "c10"};

    private FakeN8n n8n;
    private PostgresDatabase database;
    private RedisServer redis;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
        database = PostgresDatabase.create();
        redis = RedisServer.shared();
        n8n.reply(Reply.stream(Duration.ofMillis(120), items(TEN)));
    }

    @AfterEach
    void stop() {
        n8n.close();
        database.close();
        redis.close();
    }

    private Map<String, String> env(String... pairs) {
        return TestEnv.create().n8n(n8n).postgres(database).redis(redis)
                .set("CHAT_PROXY_CHAT__HEARTBEAT_INTERVAL", "PT0.3S").set(pairs).map();
    }

    @Test
    void disconnectAfterThreeChunksThenResumeGetsFourToTenOnceInOrder() {
        try (TestApp app = TestApp.start(env())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            Dropped dropped = dropAfter(visitor, 3);

            List<SseEvent> resumed = read(visitor.resume(dropped.messageId(), dropped.lastEventId()));

            assertThat(chunkIds(resumed), is(ids(dropped.messageId(), 4, 10)));
            assertThat(text(resumed), is("c4 c5 c6 c7 c8 c9 c10"));
            assertThat(resumed.getLast().event(), is("end"));
            JsonNode answer = lastAnswer(visitor);
            assertThat(answer.get("status").asText(), is("complete"));
            assertThat(answer.get("content").asText(), is(String.join("", TEN)));
        }
    }

    @Test
    void resumesOnAnotherReplica() {
        try (TestApp one = TestApp.start(env()); TestApp two = TestApp.start(env())) {
            Visitor visitor = one.visitor();
            visitor.createSession();
            Dropped dropped = dropAfter(visitor, 3);

            List<SseEvent> resumed = read(visitor.at(two.uri()).resume(dropped.messageId(), dropped.lastEventId()));

            assertThat(chunkIds(resumed), is(ids(dropped.messageId(), 4, 10)));
            assertThat(resumed.getLast().event(), is("end"));
        }
    }

    @Test
    void resumesAFinishedAnswerFromTheJournalAndLaterFromTheDatabase() throws Exception {
        n8n.reply(Reply.stream(Duration.ZERO, items(TEN)));
        try (TestApp app = TestApp.start(env("CHAT_PROXY_CHAT__RESUME_TTL", "PT1S"))) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            List<SseEvent> original = visitor.chat("all of it");
            String messageId = JSON.readTree(original.getFirst().data()).get("message_id").asText();

            List<SseEvent> fromJournal = read(visitor.resume(messageId, messageId + ":8"));
            assertThat(text(fromJournal), is("c9 c10"));

            Thread.sleep(1500);
            List<SseEvent> fromDatabase = read(visitor.resume(messageId, messageId + ":8"));
            assertThat(JSON.readTree(fromDatabase.get(1).data()).get("replace").asBoolean(), is(true));
            assertThat(text(fromDatabase), is(String.join("", TEN)));
            assertThat(fromDatabase.getLast().event(), is("end"));
        }
    }

    @Test
    void embeddedModeResumesFromTheInProcessJournal() {
        Map<String, String> env = new HashMap<>(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString(),
                "CHAT_PROXY_RESILIENCE__CONTINUE_ON_DISCONNECT", "true"));
        try (TestApp app = TestApp.start(env)) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            Dropped dropped = dropAfter(visitor, 3);

            List<SseEvent> resumed = read(visitor.resume(dropped.messageId(), dropped.lastEventId()));

            assertThat(chunkIds(resumed), is(ids(dropped.messageId(), 4, 10)));
        }
    }

    @Test
    void anotherSessionCannotResume() {
        try (TestApp app = TestApp.start(env())) {
            Visitor alice = app.visitor();
            alice.createSession();
            Dropped dropped = dropAfter(alice, 2);
            Visitor mallory = app.visitor();
            mallory.createSession();

            HttpResponse<InputStream> res = mallory.resume(dropped.messageId(), null);

            assertThat(res.statusCode(), is(404));
        }
    }

    @Test
    void deathOfTheRelayingReplicaEndsResumesWithUpstreamLostAndStoresThePartial() throws Exception {
        n8n.reply(Reply.stream(Duration.ofMillis(400), items(TEN)));
        Map<String, String> env = env("CHAT_PROXY_RESILIENCE__ANSWER_LEASE", "PT1.5S",
                "CHAT_PROXY_N8N__IDLE_TIMEOUT", "PT30S");
        try (ChildServer doomed = ChildServer.start(env); TestApp survivor = TestApp.start(env)) {
            Visitor visitor = Visitor.against(doomed.uri(), survivor.visitor());
            visitor.createSession();
            Dropped dropped = dropAfter(visitor, 3);
            Thread.sleep(500);

            doomed.kill();
            List<SseEvent> resumed = read(visitor.at(survivor.uri()).resume(dropped.messageId(),
                    dropped.lastEventId()));

            assertThat(resumed.getLast().event(), is("error"));
            assertThat(JSON.readTree(resumed.getLast().data()).get("code").asText(), is("upstream_lost"));
            JsonNode answer = lastAnswer(visitor.at(survivor.uri()));
            assertThat(answer.get("status").asText(), is("partial"));
            assertThat(answer.get("content").asText().startsWith("c1 c2 c3 "), is(true));
        }
    }

    @Test
    void fiveHundredConcurrentResumes() throws Exception {
        n8n.reply(Reply.stream(Duration.ZERO, items(TEN)));
        try (TestApp app = TestApp.start(env());
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            List<SseEvent> original = visitor.chat("popular answer");
            String messageId = JSON.readTree(original.getFirst().data()).get("message_id").asText();
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                int from = i % 10;
                results.add(pool.submit(() -> text(read(visitor.resume(messageId, messageId + ":" + from)))));
            }
            for (int i = 0; i < 500; i++) {
                String expected = String.join("", java.util.Arrays.copyOfRange(TEN, i % 10, 10));
                assertThat(results.get(i).get(), is(expected));
            }
        }
    }

    // ---- helpers

    private record Dropped(String messageId, String lastEventId) {
    }

    /** Reads the start event and n chunks, then closes the connection like a browser losing its network. */
    private static Dropped dropAfter(Visitor visitor, int chunks) {
        HttpResponse<InputStream> res = visitor.stream("ten chunks please");
        SseReader reader = new SseReader(res.body());
        String messageId = null;
        String last = null;
        try {
            SseEvent start = reader.next().orElseThrow();
            messageId = JSON.readTree(start.data()).get("message_id").asText();
            for (int i = 0; i < chunks; i++) {
                last = reader.next().orElseThrow().id();
            }
            res.body().close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return new Dropped(messageId, last);
    }

    private static List<SseEvent> read(HttpResponse<InputStream> res) {
        assertThat(res.statusCode(), is(200));
        try (SseReader reader = new SseReader(res.body())) {
            return reader.all();
        }
    }

    private static List<String> chunkIds(List<SseEvent> events) {
        return events.stream().filter(e -> e.event().equals("chunk")).map(SseEvent::id).toList();
    }

    private static List<String> ids(String messageId, int from, int to) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            ids.add(messageId + ":" + i);
        }
        return ids;
    }

    private static JsonNode lastAnswer(Visitor visitor) {
        JsonNode messages = visitor.history().json().get("messages");
        return messages.get(messages.size() - 1);
    }

    private static String[] items(String... contents) {
        return java.util.Arrays.stream(contents)
                .map(c -> "{\"type\":\"item\",\"content\":\"" + c + "\",\"metadata\":{}}").toArray(String[]::new);
    }

    /** chat-proxy in a child JVM, so that it can be killed like a pod (SIGKILL, nothing runs on the way out). */
    private static final class ChildServer implements AutoCloseable {
        private final Process process;
        private final int port;

        private ChildServer(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static ChildServer start(Map<String, String> overrides) throws IOException, InterruptedException {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Map<String, String> env = TestApp.baseEnv();
            env.putAll(overrides);
            env.put("SERVER_PORT", Integer.toString(port));
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "io.chatproxy.Main")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(env);
            Process process = builder.start();
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    return new ChildServer(process, port);
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("child server did not start");
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + port);
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        @Override
        public void close() throws InterruptedException {
            kill();
        }
    }
}
