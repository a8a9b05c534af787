package io.chatproxy.session;

import java.util.Optional;

import io.chatproxy.redis.Pending;

/**
 * Validated sessions kept close at hand so that a chat message needs no database read to authenticate. A cache
 * failure is never an error: callers fall back to the store. Revocation wins: a session read from the database is
 * cached only if nothing was evicted since the cache read that missed it.
 */
public interface SessionCache {
    /** The version of an entry that was never evicted: what a new session is cached with. */
    String NEVER_EVICTED = "0";

    /** No caching: a database other processes can change, and no Redis to share evictions through. */
    SessionCache NONE = new SessionCache() {
        @Override
        public Lookup get(String id) {
            return new Lookup(Optional.empty(), NEVER_EVICTED);
        }

        @Override
        public void put(Session session, String version) {
        }

        @Override
        public void evict(String id) {
        }
    };

    /** A cached, still active session, or the version a later {@link #put} must still find. */
    Lookup get(String id);

    /**
     * Starts {@link #get} without waiting for its answer, so that it shares a round trip with other commands started
     * before either is awaited.
     *
     * @param id the session
     * @return the lookup, once awaited
     */
    default Pending<Lookup> start(String id) {
        return Pending.of(get(id));
    }

    /**
     * Caches a session (for at most its remaining life) unless it was evicted after the read that returned
     * {@code version}.
     *
     * @param session the session as read from the database
     * @param version {@link Lookup#version()} of the cache read made before the database read
     */
    void put(Session session, String version);

    /**
     * Caches a session just created, without waiting for the cache: the creation does not hold its admission permit
     * for a Redis round trip, and should the entry come too late, the session's first lookup is a miss like any other.
     *
     * @param session the session as stored
     */
    default void putNew(Session session) {
        put(session, NEVER_EVICTED);
    }

    /** Forgets a session (after revoke or renewal); puts based on earlier reads are refused. */
    void evict(String id);

    /**
     * What a cache read found.
     *
     * @param session the cached session, if any
     * @param version the entry's eviction count, to be handed to {@link #put}
     */
    record Lookup(Optional<Session> session, String version) {
    }
}
