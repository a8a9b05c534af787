package io.chatproxy.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.session.AuthenticatedSession;
import io.chatproxy.tracing.Spans;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.JsonCodec;

/**
 * {@code GET /api/v1/chat/stream/{message_id}}: replays an answer's chunks after the client's {@code Last-Event-ID}
 * and then follows it live until it ends, from any replica. An answer whose journal has expired is replayed from the
 * database as one chunk that replaces what the client shows. An answer whose relaying replica died (its lease lapsed
 * without an ending) ends with {@code upstream_lost}, and the partial answer is stored by whoever notices first.
 * A resume never ends silently when the journal cannot be read: an answer complete in the database is served from
 * there; otherwise it is a 503 {@code journal_unavailable} before the stream starts, or an {@code error} event with
 * that code once it has.
 */
final class AnswerResumer {
    private static final String JOURNAL_UNAVAILABLE = "journal_unavailable";

    private final MessageStore messages;
    private final AnswerJournal journal;
    private final JsonCodec json;
    private final StreamSettings settings;

    AnswerResumer(MessageStore messages, AnswerJournal journal, JsonCodec json, StreamSettings settings) {
        this.messages = messages;
        this.journal = journal;
        this.json = json;
        this.settings = settings;
    }

    void resume(ServerRequest req, ServerResponse res, AuthenticatedSession session, String messageId) {
        StoredMessage stored = messages.find(messageId)
                .filter(m -> m.sessionId().equals(session.id()) && m.message().role() == MessageRole.ASSISTANT)
                .map(MessageStore.SessionMessage::message)
                .orElseThrow(() -> ApiException.notFound("not_found", "No such answer"));
        // the trace that produced the answer, found from any replica and for as long as the answer is kept
        Spans.link(stored.traceparent(), "resumed_answer");
        int after = lastEventSeq(req, messageId);
        AnswerJournal.Replay first;
        try {
            first = journal.read(messageId, after, Duration.ZERO);
        } catch (AnswerJournal.UnavailableException e) {
            first = null;
        }
        boolean unreadable = first == null;
        if (unreadable && !ended(current(messageId, stored))) {
            throw ApiException.unavailable(JOURNAL_UNAVAILABLE, "The answer cannot be resumed right now", 1);
        }
        res.status(Status.OK_200);
        try (SseWriter writer = new SseWriter(res, json)) {
            writer.start(messageId, session.id());
            if (unreadable) {
                fromDatabase(writer, messageId, stored);
            } else {
                follow(writer, messageId, stored, after, first);
            }
        }
    }

    private void follow(SseWriter writer, String messageId, StoredMessage stored, int after,
            AnswerJournal.Replay first) {
        try {
            replay(writer, messageId, stored, after, first);
        } catch (AnswerJournal.UnavailableException e) {
            if (ended(current(messageId, stored))) {
                fromDatabase(writer, messageId, stored);
            } else {
                writer.error(JOURNAL_UNAVAILABLE, "The answer cannot be resumed right now; try again");
            }
        }
    }

    private void replay(SseWriter writer, String messageId, StoredMessage stored, int after,
            AnswerJournal.Replay first) {
        int seq = after;
        Cadence heartbeat = new Cadence(settings.heartbeat(), System.nanoTime());
        AnswerJournal.Replay next = first;
        while (!writer.gone()) {
            AnswerJournal.Replay replay = next != null ? next : journal.read(messageId, seq, Duration.ofMillis(500));
            next = null;
            if (!replay.known()) {
                fromDatabase(writer, messageId, stored);
                return;
            }
            seq = replayChunks(writer, messageId, replay.chunks(), seq);
            if (replay.ending().isPresent()) {
                AnswerJournal.Ending ending = replay.ending().get();
                if (ending.normal()) {
                    writer.end(messageId);
                } else {
                    writer.error(ending.code(), ending.message());
                }
                return;
            }
            if (!replay.producerAlive() && replay.chunks().isEmpty()) {
                lost(writer, messageId);
                return;
            }
            if (heartbeat.due(System.nanoTime())) {
                writer.heartbeat();
            }
        }
    }

    /** The journal no longer (or never) held the answer: the database has the final word. */
    private void fromDatabase(SseWriter writer, String messageId, StoredMessage stored) {
        StoredMessage current = current(messageId, stored);
        if (current.status() == MessageStatus.STREAMING) {
            lost(writer, messageId);
            return;
        }
        if (!current.content().isEmpty()) {
            writer.snapshot(messageId, current.content());
        }
        if (current.status() == MessageStatus.COMPLETE) {
            writer.end(messageId);
        } else {
            writer.error("answer_" + current.status().text(), "The answer ended early");
        }
    }

    private StoredMessage current(String messageId, StoredMessage stored) {
        return messages.find(messageId).map(MessageStore.SessionMessage::message).orElse(stored);
    }

    /** Whether the database holds the answer's final word (it is no longer being relayed). */
    private static boolean ended(StoredMessage message) {
        return message.status() != MessageStatus.STREAMING;
    }

    private void lost(SseWriter writer, String messageId) {
        List<String> chunks = journal.chunks(messageId);
        messages.finish(messageId, String.join("", chunks), MessageStatus.PARTIAL);
        writer.error("upstream_lost", "The server relaying this answer went away");
    }

    /** The sequence in {@code Last-Event-ID: <message_id>:<seq>} (header, or {@code last_event_id} query). */
    private static int lastEventSeq(ServerRequest req, String messageId) {
        Optional<String> raw = req.headers().first(HeaderNames.create("Last-Event-ID"))
                .or(() -> req.query().first("last_event_id").asOptional());
        return raw.map(v -> v.startsWith(messageId + ":") ? v.substring(messageId.length() + 1) : v)
                .filter(v -> v.matches("\\d{1,9}"))
                .map(Integer::parseInt)
                .orElse(0);
    }

    /** Writes the chunks, one write per run of consecutive sequence numbers; returns the last sequence written. */
    private static int replayChunks(SseWriter writer, String messageId, List<AnswerJournal.Chunk> chunks, int seq) {
        List<String> run = new ArrayList<>(chunks.size());
        int first = 0;
        for (AnswerJournal.Chunk chunk : chunks) {
            if (!run.isEmpty() && chunk.seq() != first + run.size()) {
                writer.chunks(messageId, first, run);
                run.clear();
            }
            if (run.isEmpty()) {
                first = chunk.seq();
            }
            run.add(chunk.text());
            seq = chunk.seq();
        }
        if (!run.isEmpty()) {
            writer.chunks(messageId, first, run);
        }
        return seq;
    }
}
