package io.chatproxy.chat;

import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.upstream.AnswerEvent;
import io.chatproxy.upstream.AnswerStream;
import io.chatproxy.upstream.Upstream;
import io.chatproxy.upstream.UpstreamException;
import io.chatproxy.upstream.UpstreamRequest;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.JsonCodec;

/**
 * Relays an upstream answer to the browser as Server-Sent Events the moment each piece arrives, and stores the answer
 * with how it ended. Events: {@code start}, {@code chunk} (id {@code <message_id>:<seq>}), then {@code end} or
 * {@code error}; {@code : ping} comments in between.
 */
public final class AnswerRelay {
    private static final System.Logger LOGGER = System.getLogger(AnswerRelay.class.getName());

    private final Upstream upstream;
    private final MessageStore messages;
    private final JsonCodec json;
    private final StreamSettings settings;
    private final StreamEvents events;
    private final ActiveStreams active;

    /**
     * Creates the relay.
     *
     * @param upstream where answers come from
     * @param messages message store
     * @param json JSON codec
     * @param settings stream timing
     * @param events counters
     * @param active registry of open streams
     */
    public AnswerRelay(Upstream upstream, MessageStore messages, JsonCodec json, StreamSettings settings,
                       StreamEvents events, ActiveStreams active) {
        this.upstream = upstream;
        this.messages = messages;
        this.json = json;
        this.settings = settings;
        this.events = events;
        this.active = active;
    }

    /**
     * Calls the upstream and relays its answer.
     *
     * @param res response to stream to
     * @param exchange the stored message and answer placeholder
     * @param request what to send upstream
     * @throws ApiException 502/503/504 when the answer cannot start; the answer is then stored as an error
     */
    public void relay(ServerResponse res, Exchange exchange, UpstreamRequest request) {
        long calledAt = System.nanoTime();
        AnswerStream answer;
        try {
            answer = upstream.open(request);
        } catch (UpstreamException e) {
            messages.finish(exchange.answerId(), "", MessageStatus.ERROR);
            ApiException error = UpstreamErrors.toApi(e);
            events.upstreamFailed(error.code());
            throw error;
        }
        res.status(Status.OK_200);
        StringBuilder content = new StringBuilder();
        Outcome outcome = new Outcome(MessageStatus.PARTIAL, 0);
        events.streamStarted();
        try (answer; SseStream emitter = new SseStream(res)) {
            RelayedAnswer watched = new RelayedAnswer(answer, emitter, settings);
            active.add(watched);
            try {
                watched.start();
                emit(emitter, "start", null, Map.of("message_id", exchange.answerId(),
                                                    "session_id", request.sessionId()));
                outcome = pump(answer, emitter, watched, exchange, content, calledAt);
            } finally {
                watched.finish();
                active.remove(watched);
            }
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "Stream " + exchange.answerId() + " failed", e);
        } finally {
            store(exchange, content, outcome.status());
            events.streamEnded(outcome.status(), outcome.chunks());
        }
    }

    private Outcome pump(AnswerStream answer, SseStream emitter, RelayedAnswer watched, Exchange exchange,
                         StringBuilder content, long calledAt) {
        int seq = 0;
        while (true) {
            Optional<AnswerEvent> next = answer.next();
            String aborted = watched.abortReason();
            if (aborted != null || emitter.gone()) {
                return abortedOutcome(aborted == null ? "client_gone" : aborted, emitter, content, seq);
            }
            if (next.isEmpty()) {
                emit(emitter, "end", null, Map.of("message_id", exchange.answerId(), "finish_reason", "stop"));
                return new Outcome(MessageStatus.COMPLETE, seq);
            }
            switch (next.get()) {
                case AnswerEvent.Text text -> {
                    if (seq == 0) {
                        events.firstChunk(System.nanoTime() - calledAt);
                    }
                    watched.activity();
                    seq++;
                    content.append(text.content());
                    if (!emit(emitter, "chunk", exchange.answerId() + ":" + seq,
                              Map.of("content", text.content()))) {
                        return abortedOutcome("client_gone", emitter, content, seq);
                    }
                }
                case AnswerEvent.Failure failure -> {
                    events.upstreamFailed(failure.code());
                    emit(emitter, "error", null, error(failure.code(), failure.message()));
                    return new Outcome(content.isEmpty() ? MessageStatus.ERROR : MessageStatus.PARTIAL, seq);
                }
            }
        }
    }

    private Outcome abortedOutcome(String reason, SseStream emitter, StringBuilder content, int seq) {
        switch (reason) {
            case "client_gone" -> events.clientDisconnected();
            case "upstream_timeout" -> {
                events.upstreamFailed(reason);
                emit(emitter, "error", null, error(reason, "The workflow took too long to answer"));
            }
            default -> emit(emitter, "error", null, error(reason, "The server is restarting: please retry"));
        }
        return new Outcome(content.isEmpty() && !reason.equals("client_gone") ? MessageStatus.ERROR
                                   : MessageStatus.PARTIAL, seq);
    }

    private void store(Exchange exchange, StringBuilder content, MessageStatus status) {
        try {
            messages.finish(exchange.answerId(), content.toString(), status);
        } catch (RuntimeException e) {
            LOGGER.log(Level.ERROR, "Could not store answer " + exchange.answerId() + " (" + status.text() + ")", e);
        }
    }

    private boolean emit(SseStream stream, String name, String id, Map<String, ?> data) {
        return stream.event(name, id, json.write(data));
    }

    private static Map<String, String> error(String code, String message) {
        Map<String, String> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        return error;
    }

    private record Outcome(MessageStatus status, int chunks) {
    }
}
