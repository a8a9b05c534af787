package io.chatproxy.session;

import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.ratelimit.RateLimitGuard;
import io.chatproxy.security.BrowserFingerprint;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.OriginPolicy;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.ErrorBody;
import io.chatproxy.web.JsonCodec;
import io.chatproxy.web.JsonFields;

/**
 * {@code /api/v1/session}: create, validate and end a visitor's session.
 */
public final class SessionService implements HttpService {
    private final SessionStore store;
    private final SessionAuthenticator authenticator;
    private final SessionCookie cookie;
    private final OriginPolicy origins;
    private final JsonCodec json;
    private final Clock clock;
    private final RateLimitGuard rateLimits;
    private final ClientAddress clientAddress;
    private final SessionOpener opener;
    private final PageUrls pageUrls;

    /**
     * Creates the service.
     *
     * @param store session store
     * @param authenticator verifies cookies and signs tokens
     * @param cookie cookie codec
     * @param origins allowed origins
     * @param json JSON codec
     * @param clock time source
     * @param rateLimits limits on session creation
     * @param clientAddress resolves the client IP
     * @param opener opens new sessions
     * @param pageUrls checks and strips page URLs
     */
    public SessionService(SessionStore store, SessionAuthenticator authenticator, SessionCookie cookie,
            OriginPolicy origins, JsonCodec json, Clock clock, RateLimitGuard rateLimits,
            ClientAddress clientAddress, SessionOpener opener, PageUrls pageUrls) {
        this.store = store;
        this.authenticator = authenticator;
        this.cookie = cookie;
        this.origins = origins;
        this.json = json;
        this.clock = clock;
        this.rateLimits = rateLimits;
        this.clientAddress = clientAddress;
        this.opener = opener;
        this.pageUrls = pageUrls;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/create", this::create)
                .get("/validate", this::validate)
                .delete("/", this::end);
    }

    private void create(ServerRequest req, ServerResponse res) {
        String origin = origins.allowedOrigin(req.headers());
        ObjectNode body = json.readObject(req);
        String domain = JsonFields.requiredText(body, "origin_domain").trim().toLowerCase(Locale.ROOT);
        if (!domain.equals(OriginPolicy.hostOf(origin))) {
            throw ApiException.forbidden("origin_mismatch", "origin_domain does not match the Origin header");
        }
        String pageUrl = pageUrls.check(JsonFields.optionalText(body, "page_url"), origin);
        rateLimits.sessionCreate(res, clientAddress.of(req), domain);
        String fingerprint = BrowserFingerprint.of(req.headers());
        Session session = opener.open(domain, pageUrl, fingerprint);
        cookie.write(res, authenticator.issue(session, origin, fingerprint, session.expiresAt()));
        json.send(res, Status.CREATED_201, new Created(session.id(), session.expiresAt().toString()));
    }

    private void validate(ServerRequest req, ServerResponse res) {
        AuthenticatedSession session;
        try {
            session = authenticator.authenticate(req, res, false);
        } catch (ApiException e) {
            if (e.status().code() != Status.UNAUTHORIZED_401.code()) {
                throw e;
            }
            json.send(res, Status.UNAUTHORIZED_401, new Invalid(false, ErrorBody.of(req, e).error()));
            return;
        }
        json.send(res, Status.OK_200, new Valid(true, session.id(), session.session().originDomain(),
                session.session().expiresAt().toString()));
    }

    /** The answer of {@code /validate} for a session that is not valid. */
    private record Invalid(boolean valid, ErrorBody.ErrorObject error) {
    }

    private void end(ServerRequest req, ServerResponse res) {
        AuthenticatedSession session = authenticator.authenticate(req, res, true);
        store.revoke(session.id(), clock.instant());
        cookie.clear(res);
        json.send(res, Status.OK_200, new Revoked(true, session.id()));
    }

    /**
     * The answer to {@code POST /create}.
     *
     * @param sessionId the new session
     * @param expiresAt ISO-8601 instant
     */
    record Created(@JsonProperty("session_id") String sessionId, @JsonProperty("expires_at") String expiresAt) {
    }

    /**
     * The answer to {@code GET /validate} for a valid cookie.
     *
     * @param valid always true
     * @param sessionId the session
     * @param originDomain the site it was opened on
     * @param expiresAt ISO-8601 instant
     */
    record Valid(boolean valid, @JsonProperty("session_id") String sessionId,
            @JsonProperty("origin_domain") String originDomain, @JsonProperty("expires_at") String expiresAt) {
    }

    /**
     * The answer to {@code DELETE /}.
     *
     * @param revoked always true
     * @param sessionId the ended session
     */
    record Revoked(boolean revoked, @JsonProperty("session_id") String sessionId) {
    }
}
