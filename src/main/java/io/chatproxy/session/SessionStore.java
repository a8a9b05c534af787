package io.chatproxy.session;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.helidon.dbclient.DbRow;

import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.DbTime;
import io.chatproxy.persistence.StorageUnavailableException;
import io.chatproxy.redis.Pending;

/**
 * Sessions in the database.
 */
public final class SessionStore {
    private final Database db;
    private final SessionCache cache;

    /**
     * Creates the store.
     *
     * @param db database
     * @param cache cache in front of it
     */
    public SessionStore(Database db, SessionCache cache) {
        this.db = db;
        this.cache = cache;
    }

    /**
     * Stores a new session and caches it, so that the visitor's first message is authenticated without a database
     * read (and a cache write) of its own.
     */
    public void insert(Session session) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("id", session.id());
        params.put("origin_domain", session.originDomain());
        params.put("page_url", session.pageUrl());
        params.put("fingerprint", session.fingerprint());
        params.put("created_at", DbTime.of(session.createdAt()));
        params.put("last_seen_at", DbTime.of(session.createdAt()));
        params.put("expires_at", DbTime.of(session.expiresAt()));
        db.call(() -> db.client().execute().createNamedInsert("insert-session").params(params).execute());
        cache.putNew(session);
    }

    /** A session by id, from the cache when it holds it. */
    public Optional<Session> find(String id) {
        return startFind(id).await();
    }

    /**
     * Starts {@link #find}: the cache read is sent at once, so that it shares a round trip with other Redis commands
     * started before it is awaited; the database is read, when the cache does not hold the session, once awaited.
     *
     * @param id the session
     * @return the session, if any, once awaited
     */
    public Pending<Optional<Session>> startFind(String id) {
        Pending<SessionCache.Lookup> cached = cache.start(id);
        return () -> find(id, cached.await());
    }

    private Optional<Session> find(String id, SessionCache.Lookup cached) {
        if (cached.session().isPresent()) {
            return cached.session();
        }
        Optional<Session> stored = db.call(() -> db.client().execute().createNamedGet("select-session")
                .addParam("id", id).execute()).map(SessionStore::session);
        stored.ifPresent(session -> cache.put(session, cached.version()));
        return stored;
    }

    /** The session bound to a widget key, if any. */
    public Optional<Session> findByClientKey(String clientKey) {
        return db.call(() -> db.client().execute().createNamedGet("select-session-by-client-key")
                .addParam("client_key", clientKey).execute()).map(SessionStore::session);
    }

    /** Binds a session to a widget key (taking it from an ended session); false when another request won. */
    public boolean bindClientKey(String id, String clientKey) {
        db.call(() -> db.client().execute().createNamedUpdate("unbind-client-key").addParam("client_key", clientKey)
                .execute());
        try {
            return db.call(() -> db.client().execute().createNamedUpdate("bind-client-key")
                    .addParam("client_key", clientKey).addParam("id", id).execute()) == 1;
        } catch (StorageUnavailableException e) {
            if (findByClientKey(clientKey).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    /** Revokes a session; returns whether it was active. */
    public boolean revoke(String id, Instant now) {
        boolean revoked = db.call(() -> db.client().execute().createNamedUpdate("revoke-session")
                .addParam("now", DbTime.of(now)).addParam("id", id).execute()) > 0;
        cache.evict(id);
        return revoked;
    }

    /** Moves the end of a session (refresh). */
    public void extend(String id, Instant expiresAt, Instant now) {
        db.call(() -> db.client().execute().createNamedUpdate("extend-session")
                .addParam("expires_at", DbTime.of(expiresAt)).addParam("now", DbTime.of(now)).addParam("id", id)
                .execute());
        cache.evict(id);
    }

    private static Session session(DbRow row) {
        return new Session(row.column("id").get(String.class),
                row.column("origin_domain").get(String.class),
                row.column("page_url").asOptional().map(Object::toString).orElse(""),
                row.column("fingerprint").get(String.class),
                DbTime.read(row, "created_at"),
                DbTime.read(row, "expires_at"),
                Optional.ofNullable(DbTime.read(row, "revoked_at")));
    }
}
