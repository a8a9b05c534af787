package io.chatproxy.chat;

import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;

import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.ThreatDetector;
import io.chatproxy.security.ThreatSettings;
import io.chatproxy.security.ThreatVerdict;
import io.chatproxy.session.AuthenticatedSession;
import io.chatproxy.tracing.Traceparent;
import io.chatproxy.upstream.UpstreamRequest;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.RequestIds;

/**
 * Takes in one visitor message, whatever the endpoint, once its rate limit allowed it: cleans it, runs threat detection
 * and stores it with an empty answer before anything is sent to n8n. Nothing is stored when any step refuses it.
 */
public final class MessageIntake {
    private static final System.Logger LOGGER = System.getLogger(MessageIntake.class.getName());

    private final MessageText messageText;
    private final ThreatDetector threats;
    private final ThreatSettings threatSettings;
    private final MessageStore messages;
    private final StreamEvents events;
    private final boolean logContent;

    /**
     * Creates the intake.
     *
     * @param messageText cleans messages
     * @param threats threat detection
     * @param threatSettings what to do with suspicious messages
     * @param messages message store
     * @param events counters
     * @param logContent whether to log message text (development only)
     */
    public MessageIntake(MessageText messageText, ThreatDetector threats, ThreatSettings threatSettings,
            MessageStore messages,
            StreamEvents events, boolean logContent) {
        this.messageText = messageText;
        this.threats = threats;
        this.threatSettings = threatSettings;
        this.messages = messages;
        this.events = events;
        this.logContent = logContent;
    }

    /**
     * Accepts a message the chat-message rate limit ({@link io.chatproxy.ratelimit.RateLimitGuard#chatMessage})
     * already allowed: a session or IP over its limit costs no cleaning and no threat detection.
     *
     * @param message the message and what is known of its request
     * @return what was stored and what to send upstream
     */
    public Accepted accept(Incoming message) {
        AuthenticatedSession session = message.session();
        String text = messageText.clean(message.raw());
        if (logContent) {
            LOGGER.log(System.Logger.Level.INFO, "DEBUG message content, session " + session.id() + ": " + text);
        }
        ThreatVerdict threat = inspect(text, session);
        Exchange exchange = messages.begin(session.id(), text);
        events.messageReceived();
        UpstreamRequest upstream = new UpstreamRequest(session.id(), session.origin(), text,
                session.session().originDomain(), message.pageUrl(),
                exchange.userMessageId(), message.requestId(),
                threatSettings.action() == ThreatSettings.Action.FLAG
                        ? threat
                        : ThreatVerdict.NONE,
                message.traceparent());
        return new Accepted(exchange, upstream);
    }

    /**
     * A visitor's message as an HTTP service hands it over: past this point no request or response object is used.
     *
     * @param session the visitor's session
     * @param raw the message as received
     * @param pageUrl the checked page URL, or ""
     * @param clientIp the client's address (behind trusted proxies)
     * @param requestId the request's id
     * @param traceparent the caller's valid W3C trace context, or ""
     */
    public record Incoming(AuthenticatedSession session, String raw, String pageUrl, String clientIp,
            String requestId, String traceparent) {
        /**
         * Reads what the intake needs from a request.
         *
         * @param req the request
         * @param clientAddress the client's address behind trusted proxies
         * @param session the visitor's session
         * @param raw the message as received
         * @param pageUrl the checked page URL, or ""
         * @return the message
         */
        static Incoming of(ServerRequest req, ClientAddress clientAddress, AuthenticatedSession session, String raw,
                String pageUrl) {
            // an invalid trace context is dropped
            String traceparent = req.headers().first(HeaderNames.create("traceparent")).map(Traceparent::valid)
                    .orElse("");
            return new Incoming(session, raw, pageUrl, clientAddress.of(req), RequestIds.of(req), traceparent);
        }
    }

    /**
     * A stored message and its upstream call.
     *
     * @param exchange stored message and answer placeholder
     * @param upstream what to send to n8n
     */
    public record Accepted(Exchange exchange, UpstreamRequest upstream) {
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
            throw new ApiException(Status.BAD_REQUEST_400, "message_blocked",
                    "The message was refused by the content filter", Map.of(),
                    Map.of("rules", verdict.rules()));
        }
        return verdict;
    }
}
