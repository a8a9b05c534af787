package io.chatproxy.chat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.chatproxy.upstream.AnswerEvent;
import io.chatproxy.upstream.AnswerStream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class AnswerPumpTest {
    private static final StreamSettings SETTINGS = new StreamSettings(Duration.ofSeconds(15), Duration.ofSeconds(60),
            Duration.ofSeconds(75), 4000, false, 1, Duration.ofSeconds(9), Duration.ofMinutes(5),
            Duration.ofSeconds(3));

    /** What the journal and the client got, in the order they got it. */
    private final List<String> log = new ArrayList<>();
    private final List<Integer> journaled = new ArrayList<>();
    private final RecordingWriter writer = new RecordingWriter();

    @Test
    void aBurstArrivingInOneReadIsJournaledOnceAndWrittenOnceAfterwards() {
        AnswerPump pump = pump();

        pump.run(new ScriptedAnswer(List.of(List.of(text("a"), text("b"), text("c")), List.of(text("d")))),
                watched());

        assertThat(log, is(List.of("journal 1-3", "write 1-3", "journal 4-4", "write 4-4", "end")));
        assertThat(pump.content(), is("abcd"));
        assertThat(pump.status(), is(MessageStatus.COMPLETE));
    }

    @Test
    void everyChunkIsJournaledBeforeTheClientSeesIt() {
        List<List<AnswerEvent>> reads = List.of(List.of(text("1")), texts(10), List.of(text("2"), text("3")),
                texts(200));

        pump().run(new ScriptedAnswer(reads), watched());

        assertThat(writer.seen, is(IntStream.rangeClosed(1, 213).boxed().toList()));
        assertThat(writer.notYetJournaled, is(0));
    }

    @Test
    void aLongBurstIsCutIntoBoundedBatches() {
        AnswerPump pump = pump();

        pump.run(new ScriptedAnswer(List.of(texts(100))), watched());

        assertThat(log, is(List.of("journal 1-64", "write 1-64", "journal 65-100", "write 65-100", "end")));
        assertThat(pump.seq(), is(100));
    }

    @Test
    void aFailureArrivingWithABurstComesAfterTheBurstIsShown() {
        AnswerPump pump = pump();

        pump.run(new ScriptedAnswer(List.of(List.of(text("a"), text("b"),
                new AnswerEvent.Failure("upstream_error", "failed")))), watched());

        assertThat(log, is(List.of("journal 1-2", "write 1-2", "error upstream_error")));
        assertThat(pump.status(), is(MessageStatus.PARTIAL));
        assertThat(pump.ending().code(), is("upstream_error"));
    }

    private AnswerPump pump() {
        return new AnswerPump("m", writer, new RecordingJournal(), new NoEvents(), content -> true, System.nanoTime());
    }

    private RelayedAnswer watched() {
        return new RelayedAnswer(new ScriptedAnswer(List.of()), writer, SETTINGS, () -> {
        }, () -> false);
    }

    private static AnswerEvent text(String text) {
        return new AnswerEvent.Text(text);
    }

    private static List<AnswerEvent> texts(int count) {
        return IntStream.range(0, count).mapToObj(i -> text("x")).toList();
    }

    /** An upstream whose events arrive in scripted network reads: the rest of a read can be polled, no more. */
    private static final class ScriptedAnswer implements AnswerStream {
        private final Deque<List<AnswerEvent>> reads;
        private final Deque<AnswerEvent> buffered = new ArrayDeque<>();

        private ScriptedAnswer(List<List<AnswerEvent>> reads) {
            this.reads = new ArrayDeque<>(reads);
        }

        @Override
        public Optional<AnswerEvent> next() {
            if (buffered.isEmpty() && !reads.isEmpty()) {
                buffered.addAll(reads.poll());
            }
            return Optional.ofNullable(buffered.poll());
        }

        @Override
        public Optional<AnswerEvent> poll() {
            return Optional.ofNullable(buffered.poll());
        }

        @Override
        public void close() {
        }
    }

    private final class RecordingJournal implements AnswerJournal {
        @Override
        public void begin(String messageId) {
        }

        @Override
        public void renew(String messageId) {
        }

        @Override
        public void append(String messageId, int firstSeq, List<String> texts) {
            log.add("journal " + firstSeq + "-" + (firstSeq + texts.size() - 1));
            for (int i = 0; i < texts.size(); i++) {
                journaled.add(firstSeq + i);
            }
        }

        @Override
        public void finish(String messageId, int lastSeq, Ending ending) {
        }

        @Override
        public Replay read(String messageId, int afterSeq, Duration wait) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> chunks(String messageId) {
            throw new UnsupportedOperationException();
        }
    }

    private final class RecordingWriter implements AnswerWriter {
        private final List<Integer> seen = new ArrayList<>();
        private int notYetJournaled;

        @Override
        public boolean start(String messageId, String sessionId) {
            return true;
        }

        @Override
        public boolean chunks(String messageId, int firstSeq, List<String> texts) {
            log.add("write " + firstSeq + "-" + (firstSeq + texts.size() - 1));
            for (int i = 0; i < texts.size(); i++) {
                seen.add(firstSeq + i);
                if (!journaled.contains(firstSeq + i)) {
                    notYetJournaled++;
                }
            }
            return true;
        }

        @Override
        public boolean end(String messageId) {
            log.add("end");
            return true;
        }

        @Override
        public boolean error(String code, String message) {
            log.add("error " + code);
            return true;
        }

        @Override
        public boolean heartbeat() {
            return true;
        }

        @Override
        public boolean gone() {
            return false;
        }

        @Override
        public void close() {
        }
    }

    private static final class NoEvents implements StreamEvents {
        @Override
        public void streamStarted() {
        }

        @Override
        public void streamEnded(MessageStatus outcome, int chunks) {
        }

        @Override
        public void clientDisconnected() {
        }

        @Override
        public void messageReceived() {
        }

        @Override
        public void firstChunk(long nanos) {
        }

        @Override
        public void threatDetected(List<String> rules) {
        }

        @Override
        public void upstreamFailed(String code) {
        }
    }
}
