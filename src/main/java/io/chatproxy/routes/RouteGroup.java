package io.chatproxy.routes;

import java.util.Set;

/**
 * What kind of work a route does, and so which guards apply to it: its admission pool, whether new requests get 503
 * {@code server_draining} after SIGTERM, the rate limits its handler applies, whether CORS headers are answered (the
 * API; other routes get none) and its request body limit.
 */
// Set.of is unmodifiable, which the checker cannot see
@SuppressWarnings("ImmutableEnumChecker")
public enum RouteGroup {
    /** POST /api/v1/session/create. */
    SESSION_CREATE(AdmissionGroup.SESSION, false, Set.of(RateLimitScope.SESSION_CREATE), true, BodyLimit.JSON),
    /** Validate and end a session. */
    SESSION(AdmissionGroup.SESSION, false, Set.of(), true, BodyLimit.NO_BODY),
    /** A chat message answered as a stream. */
    CHAT_SEND(AdmissionGroup.CHAT, true, Set.of(RateLimitScope.CHAT_MESSAGE), true, BodyLimit.JSON),
    /** Resuming an answer's stream. */
    CHAT_RESUME(AdmissionGroup.CHAT, true, Set.of(RateLimitScope.RESUME), true, BodyLimit.NO_BODY),
    /** A session's history. */
    HISTORY(AdmissionGroup.HISTORY, false, Set.of(), true, BodyLimit.NO_BODY),
    /** The @n8n/chat drop-in: sends messages (streamed or whole) and loads previous sessions. */
    N8N_CHAT(AdmissionGroup.CHAT, true, Set.of(RateLimitScope.CHAT_MESSAGE, RateLimitScope.SESSION_CREATE,
            RateLimitScope.PREVIOUS_SESSION), true, BodyLimit.JSON),
    /** The widget's script, style and demo page. */
    WIDGET(AdmissionGroup.NONE, false, Set.of(), false, BodyLimit.NO_BODY),
    /** Health and metrics. */
    PROBE(AdmissionGroup.NONE, false, Set.of(), false, BodyLimit.NO_BODY);

    private final AdmissionGroup admission;
    private final boolean refusedWhileDraining;
    private final Set<RateLimitScope> rateLimits;
    private final boolean cors;
    private final BodyLimit body;

    RouteGroup(AdmissionGroup admission, boolean refusedWhileDraining, Set<RateLimitScope> rateLimits, boolean cors,
            BodyLimit body) {
        this.admission = admission;
        this.refusedWhileDraining = refusedWhileDraining;
        this.rateLimits = rateLimits;
        this.cors = cors;
        this.body = body;
    }

    /** The admission pool. */
    public AdmissionGroup admission() {
        return admission;
    }

    /** Whether new requests are refused while draining. */
    public boolean refusedWhileDraining() {
        return refusedWhileDraining;
    }

    /** The rate limits the handler applies. */
    public Set<RateLimitScope> rateLimits() {
        return rateLimits;
    }

    /** Whether CORS applies. */
    public boolean cors() {
        return cors;
    }

    /** The body limit. */
    public BodyLimit body() {
        return body;
    }
}
