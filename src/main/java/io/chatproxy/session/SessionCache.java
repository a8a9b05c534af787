package io.chatproxy.session;

import java.util.Optional;

/**
 * Validated sessions kept close at hand so that a chat message needs no database read to authenticate. A cache
 * failure is never an error: callers fall back to the store.
 */
public interface SessionCache {
    /** No caching (embedded mode: the H2 database is in-process anyway). */
    SessionCache NONE = new SessionCache() {
        @Override
        public Optional<Session> get(String id) {
            return Optional.empty();
        }

        @Override
        public void put(Session session) {
        }

        @Override
        public void evict(String id) {
        }
    };

    /** A cached, still active session. */
    Optional<Session> get(String id);

    /** Caches a session (for at most its remaining life). */
    void put(Session session);

    /** Forgets a session (after revoke or renewal). */
    void evict(String id);
}
