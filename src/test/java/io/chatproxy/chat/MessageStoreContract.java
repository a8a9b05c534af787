package io.chatproxy.chat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.helidon.dbclient.DbRow;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.chatproxy.config.SettingsReader;
import io.chatproxy.config.SettingsSource;
import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.DatabaseSettings;
import io.chatproxy.persistence.DbTime;
import io.chatproxy.session.Session;
import io.chatproxy.session.SessionCache;
import io.chatproxy.session.SessionStore;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What {@link MessageStore#begin} leaves in the database, the same on every database (one subclass each): the two
 * rows of an exchange, the session's counter, and distinct, ordered sequence numbers under concurrent messages.
 */
abstract class MessageStoreContract {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @TempDir
    Path dir;

    private Database database;
    private SessionStore sessions;
    private MessageStore messages;

    /** The {@code DATABASE_URL} of a new, empty database. */
    abstract String databaseUrl();

    /** Drops what {@link #databaseUrl} created. */
    void dropDatabase() {
    }

    @BeforeEach
    void open() {
        database = Database.open(DatabaseSettings.read(new SettingsReader(SettingsSource.create(
                Map.of("DATABASE_URL", databaseUrl()), dir))));
        sessions = new SessionStore(database, SessionCache.NONE);
        messages = new MessageStore(database, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        database.close();
        dropDatabase();
    }

    @Test
    void aMessageIsStoredWithAnEmptyStreamingAnswerRightAfterIt() {
        String session = newSession();

        Exchange exchange = messages.begin(session, "hello");

        assertThat(rows(session), contains(
                new Row(exchange.userMessageId(), 1, "user", "hello", "complete", "", NOW),
                new Row(exchange.answerId(), 2, "assistant", "", "streaming", "", NOW)));
    }

    @Test
    void theNextExchangeFollowsThePreviousOne() {
        String session = newSession();
        Exchange first = messages.begin(session, "one");

        Exchange second = messages.begin(session, "two");

        assertThat(rows(session).stream().map(r -> r.id() + " " + r.seq()).toList(), contains(
                first.userMessageId() + " 1", first.answerId() + " 2",
                second.userMessageId() + " 3", second.answerId() + " 4"));
    }

    @Test
    void aMessageOfTheLongestAllowedLengthIsStoredWhole() {
        String session = newSession();
        String longest = "é".repeat(100_000); // chat.max-message-length allows up to 100 000 characters

        messages.begin(session, longest);

        assertThat(rows(session).getFirst().content(), is(longest));
    }

    @Test
    void anAnswerOfTheLongestAllowedLengthIsStoredWholeWithItsStatus() {
        String session = newSession();
        Exchange exchange = messages.begin(session, "hello");
        String longest = "é" + "a".repeat(10_000_000 - 2) + "é"; // n8n.max-answer-chars allows up to 10 000 000

        messages.finish(exchange.answerId(), longest, MessageStatus.COMPLETE);

        Row answer = row(rows(session), exchange.answerId());
        assertThat(answer.content().length() + " " + answer.status(), is("10000000 complete"));
        assertThat(answer.content(), is(longest));
    }

    @Test
    void bothRowsCarryTheTraceOfTheRequestThatStoredThem() {
        String session = newSession();
        SpanContext request = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                TraceFlags.getSampled(), TraceState.getDefault());

        try (Scope scope = Span.wrap(request).makeCurrent()) {
            messages.begin(session, "traced");
        }

        assertThat(rows(session).stream().map(Row::traceparent).toList(), contains(TRACEPARENT, TRACEPARENT));
    }

    @Test
    void aMessageForASessionThatIsGoneStoresNothing() {
        String gone = "gone-" + UUID.randomUUID();

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> messages.begin(gone, "hello"));

        assertThat(e.getMessage(), is("session vanished: " + gone));
        assertThat(rows(gone), is(empty()));
    }

    @Test
    void concurrentMessagesOfOneSessionGetDistinctOrderedSequenceNumbers() throws Exception {
        String session = newSession();
        int messagesSent = 40;
        List<Future<Exchange>> sent = new ArrayList<>();
        try (ExecutorService senders = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < messagesSent; i++) {
                String text = "message " + i;
                sent.add(senders.submit(() -> messages.begin(session, text)));
            }
        }
        List<Row> rows = rows(session);

        assertThat(rows.stream().map(Row::seq).toList(),
                is(IntStream.rangeClosed(1, 2 * messagesSent).boxed().toList()));
        for (Future<Exchange> exchange : sent) {
            Row user = row(rows, exchange.get().userMessageId());
            Row answer = row(rows, exchange.get().answerId());
            assertThat(user.role() + " then " + answer.role() + " at " + (answer.seq() - user.seq()),
                    is("user then assistant at 1"));
        }
    }

    private String newSession() {
        String id = "s-" + UUID.randomUUID();
        sessions.insert(new Session(id, "shop.example", "", "fp", NOW.minusSeconds(60),
                NOW.plus(Duration.ofHours(1)), Optional.empty()));
        return id;
    }

    private static Row row(List<Row> rows, String id) {
        return rows.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    private List<Row> rows(String session) {
        try (Stream<DbRow> rows = database.client().execute().createQuery(
                "SELECT id, seq, role, content, status, trace_parent, created_at FROM chat_messages "
                        + "WHERE session_id = :session ORDER BY seq")
                .addParam("session", session).execute()) {
            return rows.map(r -> new Row(r.column("id").get(String.class), r.column("seq").get(Integer.class),
                    r.column("role").get(String.class), r.column("content").get(String.class),
                    r.column("status").get(String.class),
                    r.column("trace_parent").asOptional().map(Object::toString).orElse(null),
                    DbTime.read(r, "created_at"))).toList();
        }
    }

    private record Row(String id, int seq, String role, String content, String status, String traceparent,
            Instant createdAt) {
    }
}
