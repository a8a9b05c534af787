package io.chatproxy.chat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.redis.RedisSettings;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.testing.RedisServer;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/**
 * A resume waiting in Redis mode backs off while nothing new comes (10 ms up to 200 ms between XRANGEs) instead of
 * polling every 10 ms on the shared connection, and still gets a new chunk promptly. Counted with Redis's own
 * INFO commandstats on a private redis-server, which nothing else uses.
 */
class ResumePollingTest {
    private static final Pattern XRANGE_CALLS = Pattern.compile("cmdstat_xrange:calls=(\\d+)");

    private RedisServer redis;
    private RedisConnections store;
    private RedisAnswerJournal journal;

    @BeforeEach
    void connect() {
        redis = RedisServer.privateProcess();
        store = RedisConnections.connect(redis.url(), false, redis.prefix(), Duration.ofSeconds(1),
                new RedisSettings.Recovery(Duration.ofMillis(200), 1, Duration.ofMillis(500), Duration.ofSeconds(10)));
        journal = new RedisAnswerJournal(store, Duration.ofMinutes(5), Duration.ofSeconds(10));
    }

    @AfterEach
    void clean() {
        store.close();
        redis.close();
    }

    @Test
    void anIdleResumeMakesFewRedisCalls() {
        journal.begin("idle");
        long before = xrangeCalls();

        // as the resumer waits: windows of 500 ms, 2 s in all, nothing new
        for (int i = 0; i < 4; i++) {
            assertThat(journal.read("idle", 0, Duration.ofMillis(500)).chunks().isEmpty(), is(true));
        }

        long calls = xrangeCalls() - before;
        System.out.printf("idle resume, 2 s: %d XRANGE calls%n", calls);
        // polling every 10 ms made about 200; backing off makes 7 a window
        assertThat(calls, lessThan(60L));
    }

    @Test
    void aChunkAfterALongSilenceStillArrivesPromptly() throws Exception {
        journal.begin("late");
        CompletableFuture<AnswerJournal.Replay> waiting = CompletableFuture.supplyAsync(
                () -> journal.read("late", 0, Duration.ofSeconds(10)));
        Thread.sleep(1500); // long enough for the pause to reach its 200 ms ceiling

        long appended = System.nanoTime();
        journal.append("late", 1, List.of("at last"));
        AnswerJournal.Replay replay = waiting.get(10, TimeUnit.SECONDS);
        long tookMillis = (System.nanoTime() - appended) / 1_000_000;
        System.out.printf("chunk after 1.5 s of silence read %d ms after it was appended%n", tookMillis);

        assertThat(replay.chunks(), contains(new AnswerJournal.Chunk(1, "at last")));
        // at most one 200 ms pause and a round trip; the bound is generous for a loaded machine
        assertThat(tookMillis, lessThan(1500L));
    }

    private long xrangeCalls() {
        String info = redis.run(r -> r.info("commandstats"));
        Matcher m = XRANGE_CALLS.matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
