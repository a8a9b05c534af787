package io.chatproxy.chat;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.upstream.AnswerStream;
import io.chatproxy.upstream.Upstream;
import io.chatproxy.upstream.UpstreamException;
import io.chatproxy.upstream.UpstreamRequest;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.JsonCodec;

/**
 * Relays an upstream answer to the client the moment each piece arrives (the pieces that arrive together go together,
 * see {@link AnswerPump}), journals every piece before it is shown so the answer can be resumed, and stores the answer
 * with how it ended. When the client leaves and background answers are allowed, the
 * answer is read to its end anyway (and stored complete); otherwise the upstream is closed at once.
 */
public final class AnswerRelay {
    private static final System.Logger LOGGER = System.getLogger(AnswerRelay.class.getName());
    private static final long STORE_RETRY_PAUSE_MILLIS = 200;

    private final Upstream upstream;
    private final MessageStore messages;
    private final JsonCodec json;
    private final StreamSettings settings;
    private final StreamEvents events;
    private final ActiveStreams active;
    private final AnswerJournal journal;

    /**
     * Creates the relay.
     *
     * @param upstream where answers come from
     * @param messages message store
     * @param json JSON codec
     * @param settings stream timing and background-answer rules
     * @param events counters
     * @param active registry of open streams
     * @param journal where chunks are kept for resuming
     */
    public AnswerRelay(Upstream upstream, MessageStore messages, JsonCodec json, StreamSettings settings,
            StreamEvents events, ActiveStreams active, AnswerJournal journal) {
        this.upstream = upstream;
        this.messages = messages;
        this.json = json;
        this.settings = settings;
        this.events = events;
        this.active = active;
        this.journal = journal;
    }

    /** Wire formats a streamed answer can be sent in. */
    public enum Format {
        /** Server-Sent Events (our widget). */
        SSE,
        /** n8n's NDJSON stream (the {@code @n8n/chat} widget). */
        NDJSON
    }

    /**
     * Calls the upstream and streams its answer.
     *
     * @param res response to stream to
     * @param exchange the stored message and answer placeholder
     * @param request what to send upstream
     * @param format wire format
     * @throws ApiException 502/503/504 when the answer cannot start; the answer is then stored as an error
     */
    public void stream(ServerResponse res, Exchange exchange, UpstreamRequest request, Format format) {
        long calledAt = System.nanoTime();
        AnswerStream answer = open(exchange, request);
        res.status(Status.OK_200);
        try (AnswerWriter writer = format == Format.SSE ? new SseWriter(res, json) : new NdjsonWriter(res, json)) {
            run(answer, writer, exchange, request.sessionId(), calledAt);
        }
    }

    /**
     * Calls the upstream and waits for the whole answer, watching the client through heartbeats (spaces before the
     * JSON document) like a streamed answer.
     *
     * @param res the response the answer goes to, with {@link Buffered#send}
     * @param exchange the stored message and answer placeholder
     * @param request what to send upstream
     * @return the text, or the failure
     */
    public Buffered whole(ServerResponse res, Exchange exchange, UpstreamRequest request) {
        long calledAt = System.nanoTime();
        AnswerStream answer = open(exchange, request);
        WholeAnswerWriter writer = new WholeAnswerWriter(res);
        run(answer, writer, exchange, request.sessionId(), calledAt);
        return new Buffered(writer, res, json);
    }

    /** A whole answer, and the response it goes to. */
    public static final class Buffered {
        private final WholeAnswerWriter writer;
        private final ServerResponse res;
        private final JsonCodec json;

        private Buffered(WholeAnswerWriter writer, ServerResponse res, JsonCodec json) {
            this.writer = writer;
            this.res = res;
            this.json = json;
        }

        /** What arrived. */
        public String text() {
            return writer.text();
        }

        /** Why the answer is incomplete, if it is. */
        public Optional<String> failure() {
            return writer.failure();
        }

        /** Whether a heartbeat already sent status 200: an error can then only be told in the document. */
        public boolean committed() {
            return writer.committed();
        }

        /**
         * Sends the JSON document.
         *
         * @param status the status, unless a heartbeat already sent 200
         * @param body the document
         */
        public void send(Status status, Object body) {
            if (writer.committed()) {
                writer.finish(json.write(body).getBytes(StandardCharsets.UTF_8));
            } else {
                json.send(res, status, body);
            }
        }
    }

    private AnswerStream open(Exchange exchange, UpstreamRequest request) {
        try {
            return upstream.open(request);
        } catch (UpstreamException e) {
            messages.finish(exchange.answerId(), "", MessageStatus.ERROR);
            ApiException error = UpstreamErrors.toApi(e, request.requestId());
            events.upstreamFailed(error.code());
            throw error;
        }
    }

    private void run(AnswerStream answer, AnswerWriter writer, Exchange exchange, String sessionId, long calledAt) {
        String id = exchange.answerId();
        AnswerPump pump = new AnswerPump(id, writer, journal, events,
                content -> store(id, content, MessageStatus.COMPLETE), calledAt);
        events.streamStarted();
        journal.begin(id);
        RelayedAnswer watched = new RelayedAnswer(answer, writer, settings, () -> journal.renew(id),
                () -> detach(sessionId));
        active.add(watched);
        try (answer) {
            writer.start(id, sessionId);
            pump.run(answer, watched);
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "Answer " + id + " failed", e);
        } finally {
            watched.finish();
            // stored before the journal says it ended, and before the stream stops counting as open: whoever sees
            // the ending, or no open stream, can read the final answer (a complete answer was stored before `end`)
            if (!pump.stored()) {
                var unused = store(id, pump.content(), pump.status());
            }
            journal.finish(id, pump.seq(), pump.ending());
            events.streamEnded(pump.status(), pump.seq());
            if (watched.detached()) {
                active.releaseBackground(sessionId);
            }
            active.remove(watched);
        }
    }

    private boolean detach(String sessionId) {
        events.clientDisconnected();
        return settings.continueOnDisconnect() && active.tryBackground(sessionId, settings.maxBackgroundPerSession());
    }

    /**
     * Stores an answer's final text (complete, partial or failed), retrying for {@code answer-store-retry} after the
     * first failure: a database that is down fails at once, a pool that every stream's ending wants at the same moment
     * (n8n restarted under thousands of open streams) fails only after the pool's connection timeout, and then deserves
     * another turn. False when it could not be stored.
     */
    private boolean store(String answerId, String content, MessageStatus status) {
        long deadline = 0;
        boolean failedBefore = false;
        while (true) {
            try {
                messages.finish(answerId, content, status);
                return true;
            } catch (RuntimeException e) {
                if (!failedBefore) {
                    failedBefore = true;
                    deadline = System.nanoTime() + settings.storeRetry().toNanos();
                } else if (System.nanoTime() - deadline > 0) {
                    LOGGER.log(Level.ERROR, "Could not store answer " + answerId + " (" + status.text() + ") within "
                            + settings.storeRetry() + " of retries: " + e);
                    return false;
                }
                try {
                    Thread.sleep(STORE_RETRY_PAUSE_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }
}
