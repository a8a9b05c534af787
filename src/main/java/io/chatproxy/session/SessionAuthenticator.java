package io.chatproxy.session;

import io.chatproxy.tracing.Spans;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.redis.Pending;
import io.chatproxy.security.BrowserFingerprint;
import io.chatproxy.security.InvalidTokenException;
import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.OriginPolicy;
import io.chatproxy.security.VerifiedToken;
import io.chatproxy.web.ApiException;

/**
 * Turns a request's cookie into a verified session: signature and claims, browser fingerprint, the store (revoked or
 * expired sessions are refused even while their token verifies), and the Origin, which must be the one the session
 * was created on whenever the request carries one (state-changing requests must carry one). A token past half its life is renewed on the response.
 */
public final class SessionAuthenticator {
    private static final System.Logger LOGGER = System.getLogger(SessionAuthenticator.class.getName());
    private static final Alongside NOTHING_ALONGSIDE = (sessionId, originDomain) -> Pending.of(null);

    private final JwtCodec tokens;
    private final SessionStore store;
    private final SessionCookie cookie;
    private final Duration ttl;
    private final Duration absoluteLifetime;
    private final Clock clock;
    private final SessionEvents events;

    /**
     * Creates the authenticator.
     *
     * @param tokens session token codec
     * @param store session store
     * @param cookie cookie codec
     * @param ttl token lifetime
     * @param absoluteLifetime renewal never extends a session past this age
     * @param clock time source
     * @param events counters for refused sessions
     */
    public SessionAuthenticator(JwtCodec tokens, SessionStore store, SessionCookie cookie, Duration ttl,
            Duration absoluteLifetime, Clock clock, SessionEvents events) {
        this.tokens = tokens;
        this.store = store;
        this.cookie = cookie;
        this.ttl = ttl;
        this.absoluteLifetime = absoluteLifetime;
        this.clock = clock;
        this.events = events;
    }

    /**
     * Authenticates a request.
     *
     * @param req request
     * @param res response (a renewed cookie may be set on it)
     * @param stateChanging whether the request changes state, so it must carry an Origin
     * @return the session
     * @throws ApiException 401 or 403
     */
    public AuthenticatedSession authenticate(ServerRequest req, ServerResponse res, boolean stateChanging) {
        return authenticate(req, res, stateChanging, NOTHING_ALONGSIDE);
    }

    /**
     * Authenticates a request and, once its token verifies, starts {@code alongside} (a rate limit) with the session
     * lookup, before waiting for either: with Redis both share one round trip. The session is checked first, so a
     * refused session answers 401 or 403 whatever {@code alongside} decided (a refused session's token still verified,
     * so what {@code alongside} counted was counted for a token this proxy signed); then {@code alongside} is awaited
     * and may refuse the request in turn.
     *
     * @param req request
     * @param res response (a renewed cookie may be set on it)
     * @param stateChanging whether the request changes state, so it must carry an Origin
     * @param alongside what to start with the session lookup
     * @return the session
     * @throws ApiException 401 or 403, or what {@code alongside} throws
     */
    public AuthenticatedSession authenticate(ServerRequest req, ServerResponse res, boolean stateChanging,
            Alongside alongside) {
        Pending<?> started;
        AuthenticatedSession session;
        try (Spans.Child span = Spans.child("session.authenticate")) {
            try {
                Presented presented = presented(req, stateChanging);
                Pending<Optional<Session>> stored = store.startFind(presented.token().subject());
                started = alongside.start(presented.token().subject(), OriginPolicy.hostOf(presented.origin()));
                session = admit(res, presented, stored.await());
            } catch (ApiException e) {
                span.error(e.code());
                throw e;
            }
        }
        started.await();
        return session;
    }

    /** What a caller starts with the session lookup, knowing the verified token's session and site. */
    @FunctionalInterface
    public interface Alongside {
        /**
         * Starts it.
         *
         * @param sessionId the token's session
         * @param originDomain the token's site
         * @return what to await once the session is known to be valid
         */
        Pending<?> start(String sessionId, String originDomain);
    }

    /** A token that verified, from the browser and site it was issued to, and its origin claim. */
    private record Presented(VerifiedToken token, String origin) {
    }

    private Presented presented(ServerRequest req, boolean stateChanging) {
        VerifiedToken token = verifiedToken(req);
        String origin = token.claim("origin").orElseThrow(() -> refused("session_invalid", "no origin claim"));
        if (!token.claim("fp").orElse("").equals(BrowserFingerprint.of(req.headers()))) {
            events.fingerprintMismatch();
            LOGGER.log(Level.WARNING, "Session cookie presented by another browser (fingerprint mismatch): session "
                    + token.subject());
            throw refused("session_invalid", "fingerprint mismatch for session " + token.subject());
        }
        // reads are bound too: one proxy may serve several sites, and their isolation must not rest on the browser
        // partitioning cookies. A read without Origin (same-origin GET, curl) stays allowed.
        Optional<String> requestOrigin = req.headers().first(HeaderNames.ORIGIN).flatMap(OriginPolicy::normalise);
        if (stateChanging && requestOrigin.isEmpty()) {
            throw ApiException.forbidden("origin_required", "This request must carry an Origin header");
        }
        if (requestOrigin.isPresent() && !requestOrigin.get().equals(origin)) {
            throw ApiException.forbidden("origin_mismatch", "This session belongs to another site");
        }
        return new Presented(token, origin);
    }

    private AuthenticatedSession admit(ServerResponse res, Presented presented, Optional<Session> stored) {
        VerifiedToken token = presented.token();
        String origin = presented.origin();
        Instant now = clock.instant();
        Session session = stored.orElseThrow(() -> refused("session_invalid", "unknown session"));
        if (session.revokedAt().isPresent()) {
            throw refused("session_revoked", "revoked session");
        }
        if (!session.activeAt(now)) {
            throw refused("session_expired", "expired session");
        }
        renewIfOld(res, token, session, origin, now);
        return new AuthenticatedSession(session, origin);
    }

    /**
     * Signs a token for a session.
     *
     * @param session the session
     * @param origin its origin
     * @param fingerprint browser fingerprint
     * @param until expiry
     * @return compact token
     */
    public String issue(Session session, String origin, String fingerprint, Instant until) {
        Duration life = Duration.between(clock.instant(), until);
        return tokens.sign(session.id(), life, Map.of("origin", origin, "fp", fingerprint), Optional.empty());
    }

    private VerifiedToken verifiedToken(ServerRequest req) {
        String raw = cookie.read(req).orElseThrow(
                () -> ApiException.unauthorized("session_missing", "No session: create one first"));
        try {
            return tokens.verify(raw);
        } catch (InvalidTokenException e) {
            events.invalidToken();
            throw refused(JwtCodec.EXPIRED.equals(e.getMessage())
                    ? "session_expired"
                    : "session_invalid", e.getMessage());
        }
    }

    private void renewIfOld(ServerResponse res, VerifiedToken token, Session session, String origin, Instant now) {
        Duration age = Duration.between(token.issuedAt(), now);
        if (age.compareTo(ttl.dividedBy(2)) < 0) {
            return;
        }
        Instant until = min(now.plus(ttl), session.createdAt().plus(absoluteLifetime));
        if (!until.isAfter(session.expiresAt().plusSeconds(60))) {
            return;
        }
        store.extend(session.id(), until, now);
        cookie.write(res, issue(session, origin, token.claim("fp").orElseThrow(), until));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static ApiException refused(String code, String reason) {
        LOGGER.log(Level.DEBUG, "Session refused: " + reason);
        String message = switch (code) {
            case "session_expired" -> "The session has expired: create a new one";
            case "session_revoked" -> "The session has ended: create a new one";
            default -> "The session is not valid: create a new one";
        };
        return ApiException.unauthorized(code, message);
    }
}
