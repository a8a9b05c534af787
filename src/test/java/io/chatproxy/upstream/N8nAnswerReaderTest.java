package io.chatproxy.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatproxy.web.JsonCodec;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class N8nAnswerReaderTest {
    // the mapper the application gives the reader (strict: duplicate keys are refused)
    private static final ObjectMapper MAPPER = new JsonCodec(1 << 20).mapper();

    @Test
    void streamsItemsAndIgnoresBeginEndKeepalive() {
        List<AnswerEvent> events = read(100, lines(
                "{\"type\":\"begin\",\"metadata\":{}}",
                "{\"type\":\"keepalive\"}",
                "{\"type\":\"item\",\"content\":\"Hel\",\"metadata\":{}}",
                "",
                "{\"type\":\"item\",\"content\":\"lo\",\"metadata\":{}}",
                "{\"type\":\"end\",\"metadata\":{}}"));

        assertThat(events, is(List.of(text("Hel"), text("lo"))));
    }

    @Test
    void concatenatesGroupsOfSeveralNodes() {
        List<AnswerEvent> events = read(100, lines(
                "{\"type\":\"begin\"}", "{\"type\":\"item\",\"content\":\"A\"}", "{\"type\":\"end\"}",
                "{\"type\":\"begin\"}", "{\"type\":\"item\",\"content\":\"B\"}", "{\"type\":\"end\"}"));

        assertThat(events, is(List.of(text("A"), text("B"))));
    }

    @Test
    void errorLineEndsTheAnswerEvenWithoutContent() {
        List<AnswerEvent> events = read(100, lines(
                "{\"type\":\"item\",\"content\":\"part\"}",
                "{\"type\":\"error\",\"metadata\":{}}",
                "{\"type\":\"item\",\"content\":\"never\"}"));

        assertThat(events.size(), is(2));
        assertThat(events.get(1), is(new AnswerEvent.Failure("upstream_error", "The workflow failed while answering")));
    }

    @Test
    void emptyBodyIsAFailure() {
        List<AnswerEvent> events = read(100, List.of());

        assertThat(((AnswerEvent.Failure) events.getFirst()).code(), is("empty_answer"));
    }

    @Test
    void nonStreamingShapes() {
        assertThat(read(100, lines("{\"output\":\"one\"}")), is(List.of(text("one"))));
        assertThat(read(100, lines("[{\"output\":\"two\"}]")), is(List.of(text("two"))));
        assertThat(read(100, lines("{\"text\":\"three\"}")), is(List.of(text("three"))));
        assertThat(read(100, lines("{", "  \"output\": \"four\"", "}")), is(List.of(text("four"))));
        assertThat(read(100, lines("\"five\"")), is(List.of(text("five"))));
        assertThat(read(100, lines("[{\"json\":{\"output\":\"six\"}}]")), is(List.of(text("six"))));
    }

    @Test
    void unknownDocumentIsAFailureNotASuccess() {
        List<AnswerEvent> events = read(100, lines("{\"something\":\"else\"}"));

        assertThat(((AnswerEvent.Failure) events.getFirst()).code(), is("empty_answer"));
    }

    @Test
    void malformedLineMidStreamIsAFailure() {
        List<AnswerEvent> events = read(100, lines("{\"type\":\"item\",\"content\":\"ok\"}", "{not json"));

        assertThat(events.getFirst(), is(text("ok")));
        assertThat(((AnswerEvent.Failure) events.get(1)).code(), is("upstream_malformed"));
    }

    @Test
    void streamLinesSkipNestedMetadataAndIgnoreContentThatIsNotText() {
        List<AnswerEvent> events = read(100, lines(
                "{\"type\":\"begin\",\"metadata\":{\"nodeId\":\"a\",\"nested\":{\"content\":\"no\"},\"l\":[1,{}]}}",
                "{\"metadata\":{\"type\":\"end\"},\"content\":\"field order\",\"type\":\"item\"}",
                "{\"type\":\"item\",\"content\":42}",
                "{\"type\":\"item\",\"content\":null}",
                "{\"type\":\"item\",\"content\":\"\\\"quoted\\\" \\u00e9\\n\"}"));

        assertThat(events, is(List.of(text("field order"), text("\"quoted\" é\n"))));
    }

    @Test
    void metadataIsSkippedUnreadEvenWithANameRepeated() {
        List<AnswerEvent> events = read(100, lines("{\"type\":\"begin\"}",
                "{\"type\":\"item\",\"content\":\"a\",\"metadata\":{\"nodeId\":\"x\",\"nodeId\":\"y\"}}"));

        assertThat(events, is(List.of(text("a"))));
    }

    @Test
    void streamLineThatIsNotOneObjectIsAFailure() {
        for (String bad : List.of("[1]", "\"text\"", "{\"type\":\"item\",\"content\":\"a\"} {}",
                "{\"type\":\"item\",\"type\":\"end\"}", "{\"type\":\"item\",\"content\":\"a\",\"content\":\"b\"}",
                "{\"type\":\"item\",\"content\":1,\"content\":\"b\"}")) {
            List<AnswerEvent> events = read(100, lines("{\"type\":\"begin\"}", bad));

            assertThat(bad, events.isEmpty() ? "accepted" : ((AnswerEvent.Failure) events.getFirst()).code(),
                    is("upstream_malformed"));
        }
    }

    @Test
    void lineSplitAcrossReadsAndUtf8SplitInsideACharacter() {
        byte[] all = "{\"type\":\"item\",\"content\":\"naïve 😀\"}\n{\"type\":\"item\",\"content\":\"!\"}\n"
                .getBytes(StandardCharsets.UTF_8);
        List<byte[]> reads = new ArrayList<>();
        for (int i = 0; i < all.length; i += 3) {
            reads.add(Arrays.copyOfRange(all, i, Math.min(all.length, i + 3)));
        }

        assertThat(read(100, reads), is(List.of(text("naïve 😀"), text("!"))));
    }

    @Test
    void crLfLineEndsAndLastLineWithoutNewline() {
        byte[] body = "{\"type\":\"item\",\"content\":\"a\"}\r\n{\"type\":\"item\",\"content\":\"b\"}"
                .getBytes(StandardCharsets.UTF_8);

        assertThat(read(100, List.of(body)), is(List.of(text("a"), text("b"))));
    }

    @Test
    void invalidUtf8IsAFailure() {
        byte[] bad = {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', 'i', 't', 'e', 'm', '"', ',', '"', 'c', '"', ':',
                '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};

        List<AnswerEvent> events = read(100, List.of(bad));

        assertThat(((AnswerEvent.Failure) events.getFirst()).code(), is("upstream_malformed"));
    }

    @Test
    void invalidUtf8AnywhereInALaterStreamLineIsAFailure() {
        // an overlong '/', a lone continuation byte, an encoded surrogate: in the text or in the skipped metadata
        List<byte[]> malformed = List.of(new byte[]{(byte) 0xC0, (byte) 0xAF}, new byte[]{(byte) 0x80},
                new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80});
        for (byte[] bad : malformed) {
            for (String where : List.of("content", "metadata")) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.writeBytes("{\"type\":\"item\",\"content\":\"a\"}\n".getBytes(StandardCharsets.UTF_8));
                body.writeBytes((where.equals("content")
                        ? "{\"type\":\"item\",\"content\":\"b"
                        : "{\"type\":\"item\",\"content\":\"b\",\"metadata\":{\"nodeName\":\"")
                        .getBytes(StandardCharsets.UTF_8));
                body.writeBytes(bad);
                body.writeBytes((where.equals("content") ? "\"}\n" : "\"}}\n").getBytes(StandardCharsets.UTF_8));

                List<AnswerEvent> events = read(100, List.of(body.toByteArray()));

                assertThat(where, events, is(List.of(text("a"),
                        new AnswerEvent.Failure("upstream_malformed",
                                "The answer could not be read (invalid UTF-8)"))));
            }
        }
    }

    @Test
    void aReplacementCharacterTheAnswerReallyHoldsIsText() {
        assertThat(read(100, lines("{\"type\":\"item\",\"content\":\"a\"}",
                "{\"type\":\"item\",\"content\":\"\uFFFD b\",\"metadata\":{\"nodeName\":\"\uFFFD\"}}")),
                is(List.of(text("a"), text("\uFFFD b"))));
    }

    @Test
    void enormousLineIsAFailure() {
        String huge = "{\"type\":\"item\",\"content\":\"" + "x".repeat(5000) + "\"}\n";

        N8nAnswerReader reader = new N8nAnswerReader(new Chunks(List.of(huge.getBytes(StandardCharsets.UTF_8))),
                MAPPER, 1024, 100_000);

        assertThat(((AnswerEvent.Failure) next(reader).orElseThrow()).code(), is("upstream_malformed"));
    }

    @Test
    void answerLongerThanTheLimitIsCut() {
        List<AnswerEvent> events = read(10, lines("{\"type\":\"item\",\"content\":\"12345678\"}",
                "{\"type\":\"item\",\"content\":\"abcdef\"}"));

        assertThat(events.get(0), is(text("12345678")));
        assertThat(events.get(1), is(text("ab")));
        assertThat(((AnswerEvent.Failure) events.get(2)).code(), is("answer_too_long"));
    }

    @Test
    void pollTakesWhatArrivedInTheSameReadAndSkipsBeginEndAndKeepaliveWithoutReadingAgain() throws IOException {
        Arrivals body = new Arrivals(List.of(
                String.join("\n", "{\"type\":\"begin\"}", "{\"type\":\"item\",\"content\":\"A\"}",
                        "{\"type\":\"item\",\"content\":\"B\"}", "{\"type\":\"end\"}", "{\"type\":\"begin\"}",
                        "{\"type\":\"keepalive\"}", "") + "\n",
                "{\"type\":\"item\",\"content\":\"C\"}\n{\"type\":\"end\"}\n"));
        N8nAnswerReader reader = new N8nAnswerReader(body, MAPPER, 64 * 1024, 100);

        assertThat(reader.next(), is(Optional.of(text("A"))));
        assertThat(reader.poll(), is(Optional.of(text("B"))));
        assertThat("nothing more arrived: the poll does not wait", reader.poll(), is(Optional.empty()));

        body.arrive();
        assertThat("what arrived can be polled", reader.poll(), is(Optional.of(text("C"))));
        assertThat(reader.poll(), is(Optional.empty()));
        body.arrive();
        assertThat("the end is told by next()", reader.poll(), is(Optional.empty()));
        assertThat(reader.next(), is(Optional.empty()));
    }

    @Test
    void pollDoesNotReadAPartLineAsALine() throws IOException {
        Arrivals body = new Arrivals(List.of("{\"type\":\"item\",\"content\":\"A\"}\n{\"type\":\"item\",",
                "\"content\":\"B\"}\n"));
        N8nAnswerReader reader = new N8nAnswerReader(body, MAPPER, 64 * 1024, 100);

        assertThat(reader.next(), is(Optional.of(text("A"))));
        assertThat(reader.poll(), is(Optional.empty()));
        body.arrive();
        assertThat(reader.next(), is(Optional.of(text("B"))));
    }

    private static AnswerEvent text(String s) {
        return new AnswerEvent.Text(s);
    }

    private static List<byte[]> lines(String... lines) {
        return Arrays.stream(lines).map(l -> (l + "\n").getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static List<AnswerEvent> read(int maxChars, List<byte[]> reads) {
        N8nAnswerReader reader = new N8nAnswerReader(new Chunks(reads), MAPPER, 64 * 1024, maxChars);
        List<AnswerEvent> events = new ArrayList<>();
        for (Optional<AnswerEvent> e = next(reader); e.isPresent(); e = next(reader)) {
            events.add(e.get());
        }
        return events;
    }

    private static Optional<AnswerEvent> next(N8nAnswerReader reader) {
        try {
            return reader.next();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Returns exactly one scripted chunk per read, as a socket delivering packets would. */
    private static final class Chunks extends InputStream {
        private final Deque<byte[]> chunks;

        private Chunks(List<byte[]> chunks) {
            this.chunks = new ArrayDeque<>(chunks);
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            byte[] next = chunks.poll();
            if (next == null) {
                return -1;
            }
            int n = Math.min(len, next.length);
            System.arraycopy(next, 0, b, off, n);
            if (n < next.length) {
                chunks.push(Arrays.copyOfRange(next, n, next.length));
            }
            return n;
        }
    }

    /**
     * A body whose reads arrive when the test says: {@link #available()} tells what arrived, and a read of what has not
     * arrived fails the test (it is the wait for the network that a poll must never do). The first read has arrived.
     */
    private static final class Arrivals extends InputStream {
        private final Deque<byte[]> reads = new ArrayDeque<>();
        private int arrived = 1;

        private Arrivals(List<String> reads) {
            reads.forEach(r -> this.reads.add(r.getBytes(StandardCharsets.UTF_8)));
        }

        void arrive() {
            arrived++;
        }

        @Override
        public int available() {
            return arrived > 0 && !reads.isEmpty() ? reads.peek().length : 0;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (reads.isEmpty()) {
                return arrived > 0 ? -1 : fail();
            }
            if (arrived == 0) {
                return fail();
            }
            byte[] next = reads.poll();
            arrived--;
            System.arraycopy(next, 0, b, off, next.length);
            return next.length;
        }

        private static int fail() {
            throw new AssertionError("waited for the network");
        }
    }
}
