package io.chatproxy.chat;

import io.chatproxy.tracing.Spans;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import io.helidon.dbclient.DbRow;

import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.DbTime;

/**
 * Chat messages in the database. Each session's messages carry a sequence number handed out by bumping a counter on
 * the session row in the statement that inserts them, which orders them exactly even across replicas.
 */
public final class MessageStore {
    private final Database db;
    private final Clock clock;

    /**
     * Creates the store.
     *
     * @param db database
     * @param clock time source
     */
    public MessageStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Stores a visitor message and an empty, streaming answer after it, in one statement (one round trip): it bumps
     * the session's counter and inserts both rows, atomically without a transaction of its own.
     *
     * @param sessionId session
     * @param text the visitor's message
     * @return the ids
     * @throws IllegalStateException when the session is gone (nothing is stored)
     */
    @SuppressWarnings("try") // the span is current while the rows are written
    public Exchange begin(String sessionId, String text) {
        Instant now = clock.instant();
        Exchange exchange = new Exchange(UUID.randomUUID().toString(), UUID.randomUUID().toString());
        String traceparent = Spans.currentTraceparent(); // the request's span, before the INSERT's becomes current
        long stored;
        try (Spans.Child span = dbSpan("INSERT messages", "INSERT")) {
            stored = db.call(() -> db.client().execute().createNamedInsert("begin-exchange")
                    .addParam("session_id", sessionId).addParam("now", DbTime.of(now))
                    .addParam("user_id", exchange.userMessageId()).addParam("content", text)
                    .addParam("answer_id", exchange.answerId()).addParam("trace_parent", traceparent)
                    .execute());
        }
        if (stored == 0) {
            throw new IllegalStateException("session vanished: " + sessionId);
        }
        return exchange;
    }

    private Spans.Child dbSpan(String name, String operation) {
        return Spans.child(name).attribute("db.system", db.postgres() ? "postgresql" : "h2")
                .attribute("db.operation", operation).attribute("db.collection.name", "messages");
    }

    /**
     * Stores the final text and status of an answer.
     *
     * @param answerId answer id
     * @param content what arrived
     * @param status how it ended
     */
    public void finish(String answerId, String content, MessageStatus status) {
        try (Spans.Child span = dbSpan("UPDATE messages", "UPDATE")) {
            span.attribute("chat.answer.status", status.text());
            db.call(() -> db.client().execute().createNamedUpdate("finish-message")
                    .addParam("content", content).addParam("status", status.text())
                    .addParam("now", DbTime.of(clock.instant())).addParam("id", answerId).execute());
        }
    }

    /**
     * One message with the session it belongs to.
     *
     * @param id message id
     * @return the message and its session, if stored
     */
    public Optional<SessionMessage> find(String id) {
        return db.call(() -> db.client().execute().createNamedGet("select-message").addParam("id", id).execute())
                .map(row -> new SessionMessage(row.column("session_id").get(String.class), message(row,
                        row.column("trace_parent").asOptional().map(Object::toString).orElse(""))));
    }

    /**
     * A stored message and the session it belongs to.
     *
     * @param sessionId the session
     * @param message the message
     */
    public record SessionMessage(String sessionId, StoredMessage message) {
    }

    /**
     * A page of a session's messages: the newest ones before the request's cursor, oldest first.
     *
     * @param sessionId session
     * @param page which page
     * @return the messages and the cursor of the older ones, if any
     */
    public HistoryPage history(String sessionId, HistoryPage.Request page) {
        return db.call(() -> {
            // one row more than asked for tells whether an older page exists
            try (Stream<DbRow> rows = db.client().execute().createNamedQuery("select-history-page")
                    .addParam("session_id", sessionId).addParam("before", page.before())
                    .addParam("limit", page.limit() + 1).execute()) {
                List<Numbered> newestFirst = rows.map(row -> new Numbered(message(row, ""),
                        row.column("seq").get(Integer.class))).toList();
                List<Numbered> shown = newestFirst.subList(0, Math.min(page.limit(), newestFirst.size()));
                Optional<String> older = newestFirst.size() > page.limit()
                        ? Optional.of(Integer.toString(shown.getLast().seq()))
                        : Optional.empty();
                return new HistoryPage(shown.reversed().stream().map(Numbered::message).toList(), older);
            }
        });
    }

    private static StoredMessage message(DbRow row, String traceparent) {
        return new StoredMessage(row.column("id").get(String.class),
                MessageRole.of(row.column("role").get(String.class)),
                row.column("content").get(String.class),
                MessageStatus.of(row.column("status").get(String.class)),
                DbTime.read(row, "created_at"),
                traceparent);
    }

    private record Numbered(StoredMessage message, int seq) {
    }
}
