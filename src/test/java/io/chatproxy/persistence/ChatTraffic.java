package io.chatproxy.persistence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

/**
 * Visitors chatting in a loop through one chat-proxy during a database fault: counts each outcome, keeps what is not
 * a documented one, remembers every message whose answer a visitor saw end, and times how soon after a mark (the
 * database back) chats succeed again.
 */
final class ChatTraffic {
    /** What a visitor may see during a database fault besides success. */
    private static final List<String> DOCUMENTED = List.of("201 session", "503 database_unavailable",
            "200 error storage_unavailable");

    private final List<Chatter> chatters = new ArrayList<>();
    private final List<Future<?>> futures = new ArrayList<>();
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong mark = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong firstSuccessAfterMark = new AtomicLong();

    private ChatTraffic() {
    }

    /** Starts visitors chatting. */
    static ChatTraffic start(TestApp app, int visitors) {
        ChatTraffic traffic = new ChatTraffic();
        for (int v = 0; v < visitors; v++) {
            Chatter chatter = traffic.new Chatter(app.visitor());
            traffic.chatters.add(chatter);
            traffic.futures.add(traffic.pool.submit(chatter::run));
        }
        return traffic;
    }

    /** Waits (up to {@code timeout}) until this many answers were seen complete. */
    void awaitCompleted(int answers, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count("200 end") < answers && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Waits (up to {@code timeout}) until this outcome was seen. */
    void awaitOutcome(String outcome, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count(outcome) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** From now on, a chat sent and seen complete counts as the first success after the mark. */
    long mark() {
        long now = System.nanoTime();
        mark.set(now);
        return now;
    }

    /** Milliseconds from the mark to the first chat sent after it that ended, waiting up to {@code timeout}. */
    long millisToFirstSuccess(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (firstSuccessAfterMark.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long at = firstSuccessAfterMark.get();
        return at == 0 ? -1 : (at - mark.get()) / 1_000_000;
    }

    /** Stops the visitors and waits for their last chats. */
    void stop() throws Exception {
        running.set(false);
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
    }

    int count(String outcome) {
        AtomicInteger n = outcomes.get(outcome);
        return n == null ? 0 : n.get();
    }

    Map<String, Integer> outcomes() {
        Map<String, Integer> copy = new TreeMap<>();
        outcomes.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** Outcomes that are neither success nor a documented error. */
    List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    /** How many answers the visitors saw complete. */
    int seenComplete() {
        return chatters.stream().mapToInt(c -> c.seenComplete.size()).sum();
    }

    /** Answers a visitor saw complete that the history lacks or holds otherwise. */
    List<String> lost() {
        List<String> lost = new ArrayList<>();
        for (Chatter chatter : chatters) {
            lost.addAll(chatter.missingFromHistory());
        }
        return lost;
    }

    /** One visitor chatting in a loop, remembering every message whose answer it saw end. */
    private final class Chatter {
        private final Visitor visitor;
        private final List<String> seenComplete = new ArrayList<>();

        Chatter(Visitor visitor) {
            this.visitor = visitor;
        }

        void run() {
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
                if (outcome.equals("200 end")) {
                    seenComplete.add(message);
                    if (sent >= mark.get()) {
                        firstSuccessAfterMark.compareAndSet(0, System.nanoTime());
                    }
                } else if (DOCUMENTED.contains(outcome)) {
                    if (!outcome.startsWith("201")) {
                        pause(100);
                    }
                } else {
                    unexpected.add(outcome);
                }
            }
        }

        List<String> missingFromHistory() {
            if (visitor.sessionId() == null) {
                return List.of();
            }
            Map<String, String> answers = new ConcurrentHashMap<>();
            List<JsonNode> messages = visitor.allMessages();
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
