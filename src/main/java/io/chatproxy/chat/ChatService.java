package io.chatproxy.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.ratelimit.RateLimitGuard;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.ThreatDetector;
import io.chatproxy.security.ThreatSettings;
import io.chatproxy.security.ThreatVerdict;
import io.chatproxy.session.AuthenticatedSession;
import io.chatproxy.session.SessionAuthenticator;
import io.chatproxy.upstream.UpstreamRequest;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.JsonCodec;
import io.chatproxy.web.JsonFields;
import io.chatproxy.web.RequestIds;

/**
 * {@code /api/v1/chat}: send a message and receive the streamed answer; read a session's history.
 */
public final class ChatService implements HttpService {
    private static final System.Logger LOGGER = System.getLogger(ChatService.class.getName());
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern MESSAGE_ID = Pattern.compile("[0-9a-f-]{36}");
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private final SessionAuthenticator authenticator;
    private final RateLimitGuard rateLimits;
    private final ClientAddress clientAddress;
    private final MessageText messageText;
    private final MessageStore messages;
    private final AnswerRelay relay;
    private final JsonCodec json;
    private final StreamEvents events;
    private final ThreatDetector threats;
    private final ThreatSettings threatSettings;
    private final boolean logContent;
    private final AnswerResumer resumer;

    /**
     * Creates the service.
     *
     * @param authenticator verifies the session cookie
     * @param rateLimits limits per session, IP and site
     * @param clientAddress resolves the client IP
     * @param messageText cleans messages
     * @param messages message store
     * @param relay relays answers
     * @param json JSON codec
     * @param events counters
     * @param threats threat detection
     * @param threatSettings what to do with suspicious messages
     * @param logContent whether to log message text (development only)
     * @param journal chunks of answers in flight, for resuming
     * @param settings stream timing
     */
    public ChatService(SessionAuthenticator authenticator, RateLimitGuard rateLimits, ClientAddress clientAddress,
                       MessageText messageText, MessageStore messages, AnswerRelay relay, JsonCodec json,
                       StreamEvents events, ThreatDetector threats, ThreatSettings threatSettings,
                       boolean logContent, AnswerJournal journal, StreamSettings settings) {
        this.authenticator = authenticator;
        this.rateLimits = rateLimits;
        this.clientAddress = clientAddress;
        this.messageText = messageText;
        this.messages = messages;
        this.relay = relay;
        this.json = json;
        this.events = events;
        this.threats = threats;
        this.threatSettings = threatSettings;
        this.logContent = logContent;
        this.resumer = new AnswerResumer(messages, journal, json, settings);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/message", this::send)
                .post("/stream", this::send)
                .get("/stream/{messageId}", this::resume)
                .get("/history/{sessionId}", this::history);
    }

    private void send(ServerRequest req, ServerResponse res) {
        AuthenticatedSession session = authenticator.authenticate(req, res, true);
        ObjectNode body = json.readObject(req);
        String text = messageText.clean(JsonFields.requiredText(body, "message"));
        String pageUrl = io.chatproxy.session.SessionService.pageUrl(JsonFields.optionalText(body, "page_url"),
                                                                     session.origin());
        if (logContent) {
            LOGGER.log(System.Logger.Level.INFO, "DEBUG message content, session " + session.id() + ": " + text);
        }
        ThreatVerdict threat = inspect(text, session);
        rateLimits.chatMessage(res, clientAddress.of(req), session.id(), session.session().originDomain());
        Exchange exchange = messages.begin(session.id(), text);
        events.messageReceived();
        relay.stream(res, exchange, new UpstreamRequest(session.id(), session.origin(), text,
                                                       session.session().originDomain(), pageUrl,
                                                       exchange.userMessageId(), RequestIds.of(req),
                                                       threatSettings.action() == ThreatSettings.Action.FLAG
                                                               ? threat : ThreatVerdict.NONE,
                                                       traceparent(req)), AnswerRelay.Format.SSE);
    }

    /** The caller's W3C trace context, passed on to n8n when it is well formed. */
    private static String traceparent(ServerRequest req) {
        return req.headers().first(io.helidon.http.HeaderNames.create("traceparent"))
                .filter(v -> TRACEPARENT.matcher(v).matches()).orElse("");
    }

    private ThreatVerdict inspect(String text, AuthenticatedSession session) {
        ThreatVerdict verdict = threats.inspect(text);
        if (!verdict.suspicious()) {
            return verdict;
        }
        events.threatDetected(verdict.rules());
        LOGGER.log(System.Logger.Level.INFO, "Threat rules " + verdict.rules() + " (score " + verdict.score()
                + ") matched a message of session " + session.id());
        if (threatSettings.action() == ThreatSettings.Action.BLOCK && verdict.score() >= threatSettings.blockScore()) {
            throw new ApiException(io.helidon.http.Status.BAD_REQUEST_400, "message_blocked",
                                   "The message was refused by the content filter", Map.of(),
                                   Map.of("rules", verdict.rules()));
        }
        return verdict;
    }

    private void resume(ServerRequest req, ServerResponse res) {
        AuthenticatedSession session = authenticator.authenticate(req, res, false);
        String messageId = req.path().pathParameters().get("messageId");
        if (!MESSAGE_ID.matcher(messageId).matches()) {
            throw ApiException.notFound("not_found", "No such answer");
        }
        resumer.resume(req, res, session, messageId);
    }

    private void history(ServerRequest req, ServerResponse res) {
        AuthenticatedSession session = authenticator.authenticate(req, res, false);
        String requested = req.path().pathParameters().get("sessionId");
        // Another session's id answers exactly like an unknown one: no way to probe which ids exist.
        if (!SESSION_ID.matcher(requested).matches() || !requested.equals(session.id())) {
            throw ApiException.notFound("not_found", "No such session");
        }
        List<Map<String, Object>> list = messages.history(session.id()).stream().map(m -> {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", m.id());
            item.put("role", m.role());
            item.put("content", m.content());
            item.put("created_at", m.createdAt().toString());
            item.put("status", m.status());
            return item;
        }).toList();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("session_id", session.id());
        answer.put("messages", list);
        json.send(res, Status.OK_200, answer);
    }
}
