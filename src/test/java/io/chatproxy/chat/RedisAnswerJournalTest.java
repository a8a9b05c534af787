package io.chatproxy.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.redis.RedisSettings;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.testing.RedisServer;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

class RedisAnswerJournalTest {
    private RedisServer redis;
    private RedisConnections store;
    private RedisAnswerJournal journal;

    @BeforeEach
    void connect() {
        redis = RedisServer.shared();
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
    void quickChunksAppendedInBurstsAreAllThereInOrderOnceTheAnswerEnds() {
        journal.begin("m1");
        appendInBursts("m1", 500);
        journal.finish("m1", 500, AnswerJournal.Ending.END);

        AnswerJournal.Replay replay = journal.read("m1", 0, Duration.ZERO);
        assertThat(replay.chunks().size(), is(500));
        assertThat(replay.chunks().get(0), is(new AnswerJournal.Chunk(1, "piece 1 ")));
        assertThat(replay.chunks().get(499), is(new AnswerJournal.Chunk(500, "piece 500 ")));
        assertThat(replay.ending().orElseThrow().normal(), is(true));
        assertThat("the lease is released at the end", replay.producerAlive(), is(false));
        assertThat(journal.read("m1", 498, Duration.ZERO).chunks(),
                contains(new AnswerJournal.Chunk(499, "piece 499 "), new AnswerJournal.Chunk(500, "piece 500 ")));
    }

    @Test
    void twoAnswersAppendingAtOnceEachLandInOrder() throws Exception {
        journal.begin("a");
        journal.begin("b");
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> other = threads.submit(() -> appendInBursts("b", 500));
            appendInBursts("a", 500);
            other.get(30, TimeUnit.SECONDS);
        }

        for (String id : List.of("a", "b")) {
            List<AnswerJournal.Chunk> chunks = journal.read(id, 0, Duration.ZERO).chunks();
            assertThat(id, chunks.stream().map(AnswerJournal.Chunk::seq).toList(),
                    is(IntStream.rangeClosed(1, 500).boxed().toList()));
        }
    }

    @Test
    void everyChunkOfABurstIsInRedisWhenAppendReturns() {
        journal.begin("m5");
        journal.append("m5", 1, List.of("first", "second", "third"));

        // read at once, no wait: a replica killed right after showing these chunks cannot have lost them
        assertThat(journal.read("m5", 0, Duration.ZERO).chunks(), contains(new AnswerJournal.Chunk(1, "first"),
                new AnswerJournal.Chunk(2, "second"), new AnswerJournal.Chunk(3, "third")));
    }

    @Test
    void chunksThatArrivedTogetherAreOneStreamEntryAndAResumeFromInsideItGetsOnlyTheLaterOnes() {
        journal.begin("m6");
        journal.append("m6", 1, List.of("one ", "two ", "three "));
        journal.append("m6", 4, List.of("four"));
        journal.finish("m6", 4, AnswerJournal.Ending.END);

        // one XADD per batch, not per chunk: three entries (two batches and the ending)
        assertThat(store.commands().xlen(store.key("answer:{m6}")), is(3L));
        assertThat(journal.read("m6", 2, Duration.ZERO).chunks(),
                contains(new AnswerJournal.Chunk(3, "three "), new AnswerJournal.Chunk(4, "four")));
        assertThat(journal.read("m6", 3, Duration.ZERO).chunks(), contains(new AnswerJournal.Chunk(4, "four")));
        assertThat(journal.chunks("m6"), contains("one ", "two ", "three ", "four"));
    }

    @Test
    void textsOutsideAsciiComeBackAsTheyWereAloneOrInABatch() {
        List<String> batch = List.of("é à ", "日本語 ", "😀 \"quoted\"\n", "");
        journal.begin("m7");
        journal.append("m7", 1, List.of("Grüße "));
        journal.append("m7", 2, batch);
        journal.finish("m7", 5, AnswerJournal.Ending.END);

        assertThat(journal.chunks("m7"), contains("Grüße ", "é à ", "日本語 ", "😀 \"quoted\"\n", ""));
        assertThat(journal.read("m7", 3, Duration.ZERO).chunks(), contains(
                new AnswerJournal.Chunk(4, "😀 \"quoted\"\n"), new AnswerJournal.Chunk(5, "")));
    }

    /** Appends chunks 1 to {@code count} in bursts of 1 to 64, as the relay does, each appended once it returned. */
    private void appendInBursts(String id, int count) {
        int seq = 1;
        int burst = 1;
        while (seq <= count) {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < burst && seq + i <= count; i++) {
                texts.add("piece " + (seq + i) + " ");
            }
            journal.append(id, seq, texts);
            seq += texts.size();
            burst = burst % 64 + 7;
        }
    }

    @Test
    void anAnswerInFlightHoldsALeaseAndAFailureEndingIsKept() {
        journal.begin("m2");
        journal.append("m2", 1, List.of("half"));

        AnswerJournal.Replay inFlight = journal.read("m2", 0, Duration.ZERO);
        assertThat(inFlight.producerAlive(), is(true));
        assertThat(inFlight.ending().isPresent(), is(false));

        journal.finish("m2", 1, new AnswerJournal.Ending("upstream_timeout", "too long"));
        assertThat(journal.read("m2", 1, Duration.ZERO).ending().orElseThrow().code(), is("upstream_timeout"));
    }

    @Test
    void aReaderWaitingForNewChunksDoesNotHoldUpOtherCommandsOnTheSharedConnection() throws Exception {
        journal.begin("m3");
        CompletableFuture<AnswerJournal.Replay> waiting = CompletableFuture
                .supplyAsync(() -> journal.read("m3", 0, Duration.ofSeconds(5)));
        Thread.sleep(100);

        // with a blocking XREAD on the shared connection this PING would queue behind it for the whole wait
        assertThat(store.commands().ping(), is("PONG"));
        assertThat("the reader is still waiting", waiting.isDone(), is(false));

        journal.append("m3", 1, List.of("late"));
        assertThat(waiting.get(5, TimeUnit.SECONDS).chunks(), contains(new AnswerJournal.Chunk(1, "late")));
    }

    @Test
    void aReadOfNothingNewReturnsWhenTheWaitIsOver() {
        journal.begin("m4");

        AnswerJournal.Replay replay = journal.read("m4", 0, Duration.ofMillis(50));

        assertThat(replay.chunks(), is(empty()));
        assertThat(replay.known(), is(true));
        assertThat(journal.chunks("m4"), is(List.of()));
    }
}
