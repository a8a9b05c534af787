package io.chatproxy.redis;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatproxy.testing.Events;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Visitors chatting in a loop on one app, and a probe reading its /health every 20 ms, all recorded with
 * {@link System#nanoTime()} so a failover test can tell what visitors saw and when.
 */
final class FailoverTraffic implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestApp app;
    private final List<Visitor> visitors = new ArrayList<>();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<HealthSample> health = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Future<?>> workers = new ArrayList<>();

    /** One chat: its start and end, and {@code null} or what the visitor saw instead of a complete answer. */
    record Outcome(Visitor visitor, long start, long end, String failure, String messageId, String text) {
        long millis() {
            return (end - start) / 1_000_000;
        }
    }

    /** One /health answer. */
    record HealthSample(long at, String status) {
    }

    private FailoverTraffic(TestApp app, int visitorCount) {
        this.app = app;
        for (int i = 0; i < visitorCount; i++) {
            Visitor visitor = app.visitor();
            assertThat(visitor.createSession().status(), is(201));
            visitors.add(visitor);
        }
        for (Visitor visitor : visitors) {
            workers.add(pool.submit(() -> chatInALoop(visitor)));
        }
        Visitor probe = app.visitor();
        workers.add(pool.submit(() -> {
            while (running.get()) {
                Visitor.Answer answer = probe.get("/health");
                String status = answer.status() == 200 || answer.status() == 503
                        ? answer.json().get("status").asText()
                        : "status " + answer.status();
                health.add(new HealthSample(System.nanoTime(), status));
                pause(20);
            }
        }));
    }

    /** Starts the visitors (each with a session) and the health probe. */
    static FailoverTraffic start(TestApp app, int visitors) {
        return new FailoverTraffic(app, visitors);
    }

    /** Stops the traffic and waits until every answer in flight has been stored. */
    void stop() throws Exception {
        running.set(false);
        for (Future<?> worker : workers) {
            worker.get();
        }
        app.awaitNoOpenStreams();
    }

    List<Outcome> failures() {
        return outcomes.stream().filter(o -> o.failure() != null).toList();
    }

    int chats() {
        return outcomes.size();
    }

    /** What visitors saw instead of an answer, each kind once. */
    List<String> failureKinds() {
        return failures().stream().map(Outcome::failure).distinct().toList();
    }

    /** When the last failed chat ended, if any did. */
    OptionalLong lastFailureEnd() {
        return failures().stream().mapToLong(Outcome::end).max();
    }

    /** The longest a visitor waited for a failure. */
    long slowestFailureMillis() {
        return failures().stream().mapToLong(Outcome::millis).max().orElse(0);
    }

    /** Whether a chat started after this moment and was answered completely. */
    boolean answeredAfter(long nanos) {
        return outcomes.stream().anyMatch(o -> o.failure() == null && o.start() > nanos);
    }

    /** Whether no chat failed during the last {@code millis} and one succeeded in that time. */
    boolean quietFor(long millis) {
        long since = System.nanoTime() - millis * 1_000_000;
        return lastFailureEnd().orElse(0) < since && answeredAfter(since);
    }

    /** The /health statuses seen after this moment, each kind once, in order of first appearance. */
    List<String> healthSeenAfter(long nanos) {
        return health.stream().filter(h -> h.at() > nanos).map(HealthSample::status).distinct().toList();
    }

    /** When /health last turned healthy after this moment (the first healthy answer after the last other one). */
    OptionalLong healthyAgainAt(long nanos) {
        long lastNotHealthy = health.stream().filter(h -> h.at() > nanos && !h.status().equals("healthy"))
                .mapToLong(HealthSample::at).max().orElse(nanos);
        return health.stream().filter(h -> h.at() > lastNotHealthy && h.status().equals("healthy"))
                .mapToLong(HealthSample::at).min();
    }

    /** Whether /health is healthy now (its latest answer). */
    boolean healthyNow() {
        HealthSample last = null;
        for (HealthSample sample : health) {
            last = sample;
        }
        return last != null && last.status().equals("healthy");
    }

    /** Answered chats whose text is not in the visitor's history. */
    List<String> missingFromHistory() {
        List<String> missing = new ArrayList<>();
        for (Visitor visitor : visitors) {
            Map<String, String> stored = new HashMap<>();
            for (JsonNode message : visitor.allMessages()) {
                stored.put(message.get("id").asText(), message.get("content").asText());
            }
            outcomes.stream().filter(o -> o.visitor() == visitor && o.failure() == null)
                    .filter(o -> !o.text().equals(stored.get(o.messageId())))
                    .forEach(o -> missing.add(o.messageId()));
        }
        return missing;
    }

    /**
     * Resumes (from the first event) every visitor's last answer that started after this moment; returns the ones
     * that did not come back from the journal (chunk by chunk, not the database's one replacing chunk), complete and
     * equal to what the visitor saw.
     */
    List<String> resumesFailingAfter(long nanos) {
        List<String> failing = new ArrayList<>();
        for (Visitor visitor : visitors) {
            Outcome last = outcomes.stream().filter(o -> o.visitor() == visitor && o.failure() == null)
                    .filter(o -> o.start() > nanos).reduce((a, b) -> b).orElseThrow();
            HttpResponse<InputStream> res = visitor.resume(last.messageId(), null);
            if (res.statusCode() != 200) {
                failing.add(last.messageId() + ": " + res.statusCode() + " " + Events.read(res));
                continue;
            }
            List<SseEvent> events;
            try (SseReader reader = new SseReader(res.body())) {
                events = reader.all();
            }
            boolean fromDatabase = events.stream()
                    .anyMatch(e -> e.event().equals("chunk") && Events.json(e).path("replace").asBoolean());
            if (!Events.names(events).endsWith(",end") || !Events.text(events).equals(last.text()) || fromDatabase) {
                failing.add(last.messageId() + ": " + Events.names(events) + (fromDatabase ? " (database)" : ""));
            }
        }
        return failing;
    }

    private void chatInALoop(Visitor visitor) {
        while (running.get()) {
            long start = System.nanoTime();
            HttpResponse<InputStream> res = visitor.stream("hello");
            if (res.statusCode() != 200) {
                String body = Events.read(res);
                outcomes.add(new Outcome(visitor, start, System.nanoTime(), res.statusCode() + " " + code(body),
                        null, null));
            } else {
                List<SseEvent> events;
                try (SseReader reader = new SseReader(res.body())) {
                    events = reader.all();
                }
                SseEvent last = events.get(events.size() - 1);
                String failure = last.event().equals("end") ? null : "event " + last.event() + " " + last.data();
                outcomes.add(new Outcome(visitor, start, System.nanoTime(), failure,
                        Events.json(events.get(0)).get("message_id").asText(), Events.text(events)));
            }
            pause(20);
        }
    }

    private static String code(String body) {
        try {
            return JSON.readTree(body).get("error").get("code").asText();
        } catch (Exception e) {
            return body;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        pool.close();
    }
}
