package io.chatproxy.routes;

/** The rate limits a route's handler applies ({@code rate-limit.*} in app.yaml). */
public enum RateLimitScope {
    /** A chat message: per session, per IP, per site. */
    CHAT_MESSAGE,
    /** A new session: per IP, per site. */
    SESSION_CREATE,
    /** Resuming an answer ({@code rate-limit.resume.per-minute}). */
    RESUME,
    /** The {@code @n8n/chat} action {@code loadPreviousSession} ({@code rate-limit.previous-session.per-minute}). */
    PREVIOUS_SESSION
}
