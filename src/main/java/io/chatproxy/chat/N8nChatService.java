package io.chatproxy.chat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.ratelimit.RateLimitGuard;
import io.chatproxy.security.BrowserFingerprint;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.OriginPolicy;
import io.chatproxy.session.AuthenticatedSession;
import io.chatproxy.session.Session;
import io.chatproxy.session.SessionOpener;
import io.chatproxy.session.SessionStore;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.ErrorBody;
import io.chatproxy.web.JsonCodec;
import io.chatproxy.web.JsonFields;

/**
 * {@code /api/v1/n8n/chat}: speaks the protocol of n8n's official {@code @n8n/chat} widget, so a site can point the
 * widget's {@code webhookUrl} here and gain sessions, limits and stored history without changing the widget.
 * <ul>
 *     <li>{@code action: "sendMessage"} with {@code sessionId} and {@code chatInput}: streamed in n8n's NDJSON when the
 *     widget streams (it sends {@code Accept: text/plain}), else one JSON {@code {"output": ...}};</li>
 *     <li>{@code action: "loadPreviousSession"}: {@code {"data": [...]}} in the LangChain message shape the widget
 *     renders.</li>
 * </ul>
 * The widget sends no cookies across sites and chooses its own session id, so the proxy owns the session: the
 * widget's id is bound, together with the page's origin and the browser's fingerprint, to a server-issued session.
 * Another browser presenting the same id gets a session of its own, so guessing or copying an id reveals nothing.
 */
public final class N8nChatService implements HttpService {
    private static final Pattern CLIENT_SESSION = Pattern.compile("[A-Za-z0-9_-]{8,128}");

    private final OriginPolicy origins;
    private final SessionStore sessions;
    private final SessionOpener opener;
    private final RateLimitGuard rateLimits;
    private final ClientAddress clientAddress;
    private final MessageIntake intake;
    private final MessageStore messages;
    private final AnswerRelay relay;
    private final JsonCodec json;
    private final Clock clock;
    private final HistorySettings history;

    /**
     * Creates the service.
     *
     * @param origins allowed origins
     * @param sessions session store
     * @param opener opens sessions
     * @param rateLimits limits on session creation and messages
     * @param clientAddress resolves the client IP
     * @param intake checks, limits and stores messages
     * @param messages message store
     * @param relay relays answers
     * @param json JSON codec
     * @param clock time source
     * @param history history page sizes
     */
    public N8nChatService(OriginPolicy origins, SessionStore sessions, SessionOpener opener,
            RateLimitGuard rateLimits, ClientAddress clientAddress, MessageIntake intake,
            MessageStore messages, AnswerRelay relay, JsonCodec json, Clock clock, HistorySettings history) {
        this.origins = origins;
        this.sessions = sessions;
        this.opener = opener;
        this.rateLimits = rateLimits;
        this.clientAddress = clientAddress;
        this.intake = intake;
        this.messages = messages;
        this.relay = relay;
        this.json = json;
        this.clock = clock;
        this.history = history;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/chat", this::post).get("/chat", this::get);
    }

    private void post(ServerRequest req, ServerResponse res) {
        answerErrorsReadably(req, res, () -> {
            if (req.headers().contentType().map(t -> t.mediaType().text().startsWith("multipart/")).orElse(false)) {
                throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "files_not_supported",
                        "File uploads are not supported by this chat");
            }
            ObjectNode body = json.readObject(req);
            handle(req, res, JsonFields.requiredText(body, "action"), JsonFields.requiredText(body, "sessionId"),
                    JsonFields.optionalText(body, "chatInput"));
        });
    }

    private void get(ServerRequest req, ServerResponse res) {
        answerErrorsReadably(req, res, () -> getAction(req, res));
    }

    /**
     * Without streaming, {@code @n8n/chat} ignores the status and shows {@code message} (or else the whole body) to
     * the visitor: errors here carry a top-level, human-readable {@code message} beside the usual error object.
     */
    private void answerErrorsReadably(ServerRequest req, ServerResponse res, Runnable call) {
        try {
            call.run();
        } catch (ApiException e) {
            e.headers().forEach((name, value) -> res.headers().set(HeaderNames.create(name), value));
            json.send(res, e.status(), readableError(req, e));
        }
    }

    private static ReadableError readableError(ServerRequest req, ApiException e) {
        return new ReadableError(e.getMessage(), ErrorBody.of(req, e).error());
    }

    /** An error body with the message the widget shows at the top level. */
    private record ReadableError(String message, ErrorBody.ErrorObject error) {
    }

    private void getAction(ServerRequest req, ServerResponse res) {
        String action = req.query().first("action").asOptional()
                .orElseThrow(() -> ApiException.badRequest("missing_field", "Field 'action' is required"));
        String sessionId = req.query().first("sessionId").asOptional()
                .orElseThrow(() -> ApiException.badRequest("missing_field", "Field 'sessionId' is required"));
        handle(req, res, action, sessionId, req.query().first("chatInput").asOptional());
    }

    private void handle(ServerRequest req, ServerResponse res, String action, String clientSessionId,
            Optional<String> chatInput) {
        String origin = origins.allowedOrigin(req.headers());
        if (!CLIENT_SESSION.matcher(clientSessionId).matches()) {
            throw ApiException.badRequest("invalid_session_id", "sessionId must be 8-128 letters, digits, - or _");
        }
        String key = clientKey(clientSessionId, origin, BrowserFingerprint.of(req.headers()));
        switch (action) {
            case "loadPreviousSession" -> {
                rateLimits.previousSession(res, clientAddress.of(req));
                json.send(res, Status.OK_200, previous(key, HistoryPage.Request.of(req.query(), history)));
            }
            case "sendMessage" -> send(req, res, key, origin, chatInput.orElseThrow(
                    () -> ApiException.badRequest("missing_field", "Field 'chatInput' is required")));
            default -> throw ApiException.badRequest("unknown_action", "action must be sendMessage or "
                    + "loadPreviousSession");
        }
    }

    private void send(ServerRequest req, ServerResponse res, String key, String origin, String chatInput) {
        AuthenticatedSession session = new AuthenticatedSession(sessionFor(req, res, key, origin), origin);
        rateLimits.chatMessage(res::header, clientAddress.of(req), session.id(), session.session().originDomain());
        MessageIntake.Accepted accepted = intake.accept(
                MessageIntake.Incoming.of(req, clientAddress, session, chatInput, ""));
        boolean streaming = req.headers().first(HeaderNames.ACCEPT).map(a -> a.contains("text/plain")).orElse(false);
        if (streaming) {
            relay.stream(res, accepted.exchange(), accepted.upstream(), AnswerRelay.Format.NDJSON);
            return;
        }
        AnswerRelay.Buffered answer = relay.whole(res, accepted.exchange(), accepted.upstream());
        if (answer.failure().isPresent() && answer.text().isEmpty()) {
            ApiException error = new ApiException(Status.BAD_GATEWAY_502, "upstream_error", answer.failure().get());
            if (!answer.committed()) {
                throw error;
            }
            answer.send(error.status(), readableError(req, error));
            return;
        }
        // a cut answer must not look complete: say so in the text the widget shows
        String output = answer.failure().map(why -> answer.text() + "\n\n(The answer was cut short: " + why + ")")
                .orElse(answer.text());
        answer.send(Status.OK_200, new WholeAnswer(output));
    }

    private PreviousSession previous(String key, HistoryPage.Request request) {
        HistoryPage page = sessions.findByClientKey(key).filter(s -> s.activeAt(clock.instant()))
                .map(s -> messages.history(s.id(), request))
                .orElse(new HistoryPage(List.of(), Optional.empty()));
        return new PreviousSession(page.messages().stream().map(LangChainMessage::of).toList(),
                page.olderCursor().orElse(null));
    }

    private Session sessionFor(ServerRequest req, ServerResponse res, String key, String origin) {
        Optional<Session> existing = sessions.findByClientKey(key).filter(s -> s.activeAt(clock.instant()));
        if (existing.isPresent()) {
            return existing.get();
        }
        String domain = OriginPolicy.hostOf(origin);
        rateLimits.sessionCreate(res, clientAddress.of(req), domain);
        Session session = opener.open(domain, "", BrowserFingerprint.of(req.headers()));
        if (!sessions.bindClientKey(session.id(), key)) {
            return sessions.findByClientKey(key).orElse(session);
        }
        return session;
    }

    private static String clientKey(String clientSessionId, String origin, String fingerprint) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(
                    (clientSessionId + "\n" + origin.toLowerCase(Locale.ROOT) + "\n" + fingerprint)
                            .getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A whole answer, for a widget that does not stream.
     *
     * @param output the answer's text
     */
    record WholeAnswer(String output) {
    }

    /**
     * The answer to {@code loadPreviousSession}: the widget reads {@code data}; {@code older_cursor} is for callers
     * that page further back.
     *
     * @param data the messages, oldest first
     * @param olderCursor {@code before} for the page before this one; left out on the session's first page
     */
    record PreviousSession(List<LangChainMessage> data,
            @JsonProperty("older_cursor") @JsonInclude(JsonInclude.Include.NON_NULL) String olderCursor) {
    }

    /**
     * A stored message in the LangChain shape {@code @n8n/chat} renders.
     *
     * @param lc LangChain's serialisation version, 1
     * @param type always {@code constructor}
     * @param id the message class's path: {@code HumanMessage} or {@code AIMessage}
     * @param kwargs the message
     */
    record LangChainMessage(int lc, String type, List<String> id, Kwargs kwargs) {
        static LangChainMessage of(StoredMessage message) {
            String type = message.role() == MessageRole.USER ? "HumanMessage" : "AIMessage";
            return new LangChainMessage(1, "constructor", List.of("langchain_core", "messages", type),
                    new Kwargs(message.content(), Map.of(), Map.of()));
        }
    }

    /**
     * The constructor arguments of a LangChain message.
     *
     * @param content text
     * @param additionalKwargs always empty
     * @param responseMetadata always empty
     */
    record Kwargs(String content, @JsonProperty("additional_kwargs") Map<String, Object> additionalKwargs,
            @JsonProperty("response_metadata") Map<String, Object> responseMetadata) {
    }
}
