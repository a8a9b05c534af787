package io.chatproxy.chat;

import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.ratelimit.RateLimitGuard;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.session.AuthenticatedSession;
import io.chatproxy.session.SessionAuthenticator;
import io.chatproxy.session.PageUrls;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.JsonCodec;
import io.chatproxy.web.JsonFields;

/**
 * {@code /api/v1/chat}: send a message and receive the streamed answer; read a session's history.
 */
public final class ChatService implements HttpService {
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern MESSAGE_ID = Pattern.compile("[0-9a-f-]{36}");

    private final SessionAuthenticator authenticator;
    private final MessageIntake intake;
    private final MessageStore messages;
    private final AnswerRelay relay;
    private final AnswerResumer resumer;
    private final JsonCodec json;
    private final PageUrls pageUrls;
    private final RateLimitGuard rateLimits;
    private final ClientAddress clientAddress;
    private final HistorySettings history;

    /**
     * Creates the service.
     *
     * @param authenticator verifies the session cookie
     * @param intake checks, limits and stores messages
     * @param messages message store
     * @param relay relays answers
     * @param resumer resumes answers from the journal or the database
     * @param json JSON codec
     * @param pageUrls checks and strips page URLs
     * @param rateLimits limits messages and resumes
     * @param clientAddress the client's address behind trusted proxies
     * @param history history page sizes
     */
    ChatService(SessionAuthenticator authenticator, MessageIntake intake, MessageStore messages,
            AnswerRelay relay, AnswerResumer resumer, JsonCodec json, PageUrls pageUrls,
            RateLimitGuard rateLimits, ClientAddress clientAddress, HistorySettings history) {
        this.rateLimits = rateLimits;
        this.history = history;
        this.clientAddress = clientAddress;
        this.authenticator = authenticator;
        this.intake = intake;
        this.messages = messages;
        this.relay = relay;
        this.resumer = resumer;
        this.json = json;
        this.pageUrls = pageUrls;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/message", this::send)
                .post("/stream", this::send)
                .get("/stream/{messageId}", this::resume)
                .get("/history/{sessionId}", this::history);
    }

    private void send(ServerRequest req, ServerResponse res) {
        String clientIp = clientAddress.of(req);
        // the session lookup and the message's rate limit share one Redis round trip; a refused session wins
        AuthenticatedSession session = authenticator.authenticate(req, res, true, (sessionId,
                originDomain) -> rateLimits.startChatMessage(res::header, clientIp, sessionId, originDomain));
        ObjectNode body = json.readObject(req);
        String raw = JsonFields.requiredText(body, "message");
        String pageUrl = pageUrls.check(JsonFields.optionalText(body, "page_url"), session.origin());
        MessageIntake.Accepted accepted = intake.accept(
                MessageIntake.Incoming.of(req, clientAddress, session, raw, pageUrl));
        relay.stream(res, accepted.exchange(), accepted.upstream(), AnswerRelay.Format.SSE);
    }

    private void resume(ServerRequest req, ServerResponse res) {
        AuthenticatedSession session = authenticator.authenticate(req, res, false);
        String messageId = req.path().pathParameters().get("messageId");
        if (!MESSAGE_ID.matcher(messageId).matches()) {
            throw ApiException.notFound("not_found", "No such answer");
        }
        rateLimits.resume(res, clientAddress.of(req));
        resumer.resume(req, res, session, messageId);
    }

    private void history(ServerRequest req, ServerResponse res) {
        AuthenticatedSession session = authenticator.authenticate(req, res, false);
        String requested = req.path().pathParameters().get("sessionId");
        // Another session's id answers exactly like an unknown one: no way to probe which ids exist.
        if (!SESSION_ID.matcher(requested).matches() || !requested.equals(session.id())) {
            throw ApiException.notFound("not_found", "No such session");
        }
        HistoryPage page = messages.history(session.id(), HistoryPage.Request.of(req.query(), history));
        List<HistoryItem> items = page.messages().stream().map(m -> new HistoryItem(m.id(), m.role(), m.content(),
                m.createdAt().toString(), m.status())).toList();
        HistoryAnswer answer = new HistoryAnswer(session.id(), items, page.olderCursor().orElse(null));
        json.send(res, Status.OK_200, answer);
    }

    /**
     * The body of {@code GET /history/{sessionId}}.
     *
     * @param sessionId the session
     * @param messages the page, oldest first
     * @param olderCursor {@code before} for the page before this one; null on the session's first page
     */
    record HistoryAnswer(@JsonProperty("session_id") String sessionId, List<HistoryItem> messages,
            @JsonProperty("older_cursor") String olderCursor) {
    }

    /**
     * One message of a history page.
     *
     * @param id message id
     * @param role who wrote it
     * @param content text
     * @param createdAt ISO-8601 instant
     * @param status how it ended
     */
    record HistoryItem(String id, MessageRole role, String content, @JsonProperty("created_at") String createdAt,
            MessageStatus status) {
    }
}
