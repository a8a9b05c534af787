package io.chatproxy.chat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.chatproxy.upstream.AnswerEvent;
import io.chatproxy.upstream.AnswerStream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * What the watchdog's timer does to one answer in flight ({@link RelayedAnswer#check(long)}), with the time moved by
 * the test instead of waited for: heartbeats, lease renewal, the first-chunk and idle timeouts, a client that left.
 */
class RelayedAnswerTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    private final FakeAnswer answer = new FakeAnswer();
    private final FakeWriter writer = new FakeWriter();
    private final AtomicInteger renewals = new AtomicInteger();

    @Test
    void sendsAHeartbeatEveryHeartbeatPeriod() throws Exception {
        RelayedAnswer watched = watched(false);
        long start = System.nanoTime();
        watched.check(start + 14 * SECOND);
        assertThat(writer.heartbeats.get(), is(0));
        watched.check(start + 15 * SECOND);
        writer.awaitHeartbeats(1);
        Thread.sleep(100); // the heartbeat's virtual thread lets the next one go after it wrote
        watched.check(start + 16 * SECOND);
        watched.check(start + 30 * SECOND);
        writer.awaitHeartbeats(2);
        assertThat(watched.abortReason(), is(nullValue()));
    }

    @Test
    void renewsTheLeaseEveryThirdOfItsLength() {
        RelayedAnswer watched = watched(false);
        long start = System.nanoTime();
        watched.check(start + 2 * SECOND);
        assertThat(renewals.get(), is(0));
        watched.check(start + 3 * SECOND + 1);
        watched.check(start + 4 * SECOND);
        assertThat(renewals.get(), is(1));
        watched.check(start + 6 * SECOND + 2);
        assertThat(renewals.get(), is(2));
    }

    @Test
    void abortsAnAnswerWhoseFirstChunkTakesTooLong() throws Exception {
        RelayedAnswer watched = watched(false);
        long start = System.nanoTime();
        watched.check(start + 59 * SECOND);
        assertThat(watched.abortReason(), is(nullValue()));
        watched.check(start + 60 * SECOND);
        assertThat(watched.abortReason(), is(AbortReason.UPSTREAM_TIMEOUT));
        answer.awaitClosed();
    }

    @Test
    void onceStartedAnAnswerMayBeSilentForTheIdleTimeout() throws Exception {
        RelayedAnswer watched = watched(false);
        watched.activity();
        long active = System.nanoTime();
        watched.check(active + 70 * SECOND); // past the first-chunk timeout, within the idle timeout
        assertThat(watched.abortReason(), is(nullValue()));
        watched.check(active + 75 * SECOND);
        assertThat(watched.abortReason(), is(AbortReason.UPSTREAM_TIMEOUT));
        answer.awaitClosed();
    }

    @Test
    void aFailedHeartbeatEndsAnAnswerThatMayNotContinueWithoutItsClient() throws Exception {
        writer.reachable = false;
        RelayedAnswer watched = watched(false);
        watched.check(System.nanoTime() + 15 * SECOND);
        answer.awaitClosed();
        assertThat(watched.abortReason(), is(AbortReason.CLIENT_GONE));
    }

    @Test
    void aFailedHeartbeatDetachesAnAnswerThatMayContinueInTheBackground() throws Exception {
        writer.reachable = false;
        RelayedAnswer watched = watched(true);
        long start = System.nanoTime();
        watched.check(start + 15 * SECOND);
        writer.awaitHeartbeats(1);
        for (int i = 0; i < 100 && !watched.detached(); i++) {
            Thread.sleep(10);
        }
        assertThat(watched.detached(), is(true));
        assertThat(watched.abortReason(), is(nullValue()));
        watched.check(start + 31 * SECOND);
        assertThat("no heartbeat to a client that is gone", writer.heartbeats.get(), is(1));
    }

    @Test
    void aFinishedAnswerIsNoLongerWatched() {
        RelayedAnswer watched = watched(false);
        watched.finish();
        watched.check(System.nanoTime() + 120 * SECOND);
        assertThat(watched.abortReason(), is(nullValue()));
        assertThat(renewals.get(), is(0));
        assertThat(answer.closed.getCount(), is(1L));
    }

    @Test
    void aShutdownAbortsTheAnswerWithItsOwnReason() throws Exception {
        RelayedAnswer watched = watched(false);
        watched.shutdown();
        answer.awaitClosed();
        assertThat(watched.abortReason(), is(AbortReason.SERVER_SHUTDOWN));
    }

    private RelayedAnswer watched(boolean background) {
        StreamSettings settings = new StreamSettings(Duration.ofSeconds(15), Duration.ofSeconds(60),
                Duration.ofSeconds(75), 4000, background, 1, Duration.ofSeconds(9), Duration.ofMinutes(5),
                Duration.ofSeconds(3));
        return new RelayedAnswer(answer, writer, settings, renewals::incrementAndGet, () -> background);
    }

    private static final class FakeAnswer implements AnswerStream {
        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public Optional<AnswerEvent> next() {
            return Optional.empty();
        }

        @Override
        public void close() {
            closed.countDown();
        }

        void awaitClosed() throws InterruptedException {
            assertThat("the upstream is closed", closed.await(5, TimeUnit.SECONDS), is(true));
        }
    }

    private static final class FakeWriter implements AnswerWriter {
        private final AtomicInteger heartbeats = new AtomicInteger();
        private volatile boolean reachable = true;

        @Override
        public boolean start(String messageId, String sessionId) {
            return reachable;
        }

        @Override
        public boolean chunks(String messageId, int firstSeq, List<String> texts) {
            return reachable;
        }

        @Override
        public boolean end(String messageId) {
            return reachable;
        }

        @Override
        public boolean error(String code, String message) {
            return reachable;
        }

        @Override
        public boolean heartbeat() {
            heartbeats.incrementAndGet();
            return reachable;
        }

        @Override
        public boolean gone() {
            return !reachable;
        }

        @Override
        public void close() {
        }

        void awaitHeartbeats(int count) throws InterruptedException {
            for (int i = 0; i < 500 && heartbeats.get() < count; i++) {
                Thread.sleep(10);
            }
            assertThat(heartbeats.get(), is(count));
        }
    }
}
