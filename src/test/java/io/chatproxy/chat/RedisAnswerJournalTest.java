package io.chatproxy.chat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
    void chunksSentWithoutWaitingAreAllThereInOrderOnceTheAnswerEnds() {
        journal.begin("m1");
        for (int seq = 1; seq <= 500; seq++) {
            journal.append("m1", seq, "piece " + seq + " ");
        }
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
    void aChunkThatComesAloneIsInRedisWhenAppendReturns() {
        journal.begin("m5");
        journal.append("m5", 1, "first");

        // read at once, no wait: a replica killed right after showing this chunk cannot have lost it
        assertThat(journal.read("m5", 0, Duration.ZERO).chunks(), contains(new AnswerJournal.Chunk(1, "first")));
    }

    @Test
    void anAnswerInFlightHoldsALeaseAndAFailureEndingIsKept() {
        journal.begin("m2");
        journal.append("m2", 1, "half");

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

        journal.append("m3", 1, "late");
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
