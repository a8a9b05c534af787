package io.chatproxy.session;

/**
 * A request's verified session.
 *
 * @param session the stored session
 * @param origin the origin the session is bound to
 */
public record AuthenticatedSession(Session session, String origin) {
    /** Session id. */
    public String id() {
        return session.id();
    }
}
