package io.chatproxy.session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.AppInternals;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.RedisServer;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Revocation wins over the Redis session cache: a lookup that read the database before a revocation cannot put the
 * revoked session back into the cache after the revocation evicted it. The race is forced by revoking inside the
 * lookup, between its database read and its cache write, against real Redis and PostgreSQL.
 */
class SessionCacheRevocationTest {
    private RedisServer redis;
    private PostgresDatabase database;
    private FakeN8n n8n;
    private RedisConnections store;
    private TestApp app;

    @BeforeEach
    void start() {
        redis = RedisServer.shared();
        database = PostgresDatabase.create();
        n8n = FakeN8n.start();
        app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database).redis(redis).map());
        store = RedisConnections.connect(redis.url(), false, redis.prefix(), Duration.ofSeconds(1),
                new RedisSettings.Recovery(Duration.ofMillis(200), 1, Duration.ofMillis(500), Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop() {
        store.close();
        app.close();
        n8n.close();
        database.close();
        redis.close();
    }

    @Test
    void aRevocationBetweenTheDatabaseReadAndTheCacheWriteIsNotUndone() throws InterruptedException {
        Visitor visitor = app.visitor();
        visitor.createSession();
        String id = visitor.sessionId();
        String key = redis.prefix() + "session:" + id;
        assertThat(cachedWithinASecond(key), is(true));
        redis.run(r -> r.del(key)); // as if the entry had expired: the lookup reads the database
        AtomicBoolean revokedInTheGap = new AtomicBoolean();
        SessionStore[] sessions = new SessionStore[1];
        SessionCache racing = new Racing(new RedisSessionCache(store, Duration.ofMinutes(5), Clock.systemUTC()),
                () -> revokedInTheGap.set(sessions[0].revoke(id, Instant.now())));
        sessions[0] = new SessionStore(AppInternals.database(app.app()), racing);

        Session looked = sessions[0].find(id).orElseThrow();

        assertThat(revokedInTheGap.get(), is(true));
        assertThat(looked.revokedAt().isPresent(), is(false)); // read before the revocation
        Map<String, String> cached = redis.run(r -> r.hgetall(key));
        assertThat(cached, not(hasKey("origin_domain")));
        assertThat(sessions[0].find(id).orElseThrow().revokedAt().isPresent(), is(true));
        assertThat(visitor.get("/api/v1/session/validate").status(), is(401));
    }

    @Test
    void aLookupWithoutARevocationStillCaches() throws InterruptedException {
        Visitor visitor = app.visitor();
        visitor.createSession();
        String key = redis.prefix() + "session:" + visitor.sessionId();
        assertThat(cachedWithinASecond(key), is(true));
        redis.run(r -> r.del(key));
        SessionStore sessions = new SessionStore(AppInternals.database(app.app()),
                new RedisSessionCache(store, Duration.ofMinutes(5), Clock.systemUTC()));

        assertThat(sessions.find(visitor.sessionId()).isPresent(), is(true));

        assertThat(redis.run(r -> r.hgetall(key)), hasKey("origin_domain"));
        assertThat(redis.run(r -> r.pttl(key)) > 0, is(true));
        sessions.revoke(visitor.sessionId(), Instant.now());
        // reads the revoked row: nothing to cache
        assertThat(sessions.find(visitor.sessionId()).orElseThrow().revokedAt().isPresent(), is(true));
        assertThat(redis.run(r -> r.hgetall(key)), not(hasKey("origin_domain")));
    }

    @Test
    void aSessionIsCachedFromItsCreationSoItsFirstLookupReadsNoDatabase() throws SQLException, InterruptedException {
        Visitor visitor = app.visitor();
        visitor.createSession();
        String key = redis.prefix() + "session:" + visitor.sessionId();

        assertThat(cachedWithinASecond(key), is(true)); // the creation does not wait for the cache
        assertThat(redis.run(r -> r.pttl(key)) > 0, is(true));
        SessionStore sessions = new SessionStore(AppInternals.database(app.app()),
                new RedisSessionCache(store, Duration.ofMinutes(5), Clock.systemUTC()));
        try (Connection db = database.connect();
                PreparedStatement hide = db.prepareStatement(
                        "UPDATE sessions SET origin_domain = 'moved.example' WHERE id = ?")) {
            hide.setString(1, visitor.sessionId());
            assertThat(hide.executeUpdate(), is(1));
        }
        // what the database now says is not what the lookup returns: the cache answered it
        assertThat(sessions.find(visitor.sessionId()).orElseThrow().originDomain(), is("shop.example.com"));

        assertThat(visitor.delete("/api/v1/session").status(), is(200));
        assertThat(redis.run(r -> r.hgetall(key)), not(hasKey("origin_domain")));
        assertThat(visitor.get("/api/v1/session/validate").status(), is(401));
    }

    private boolean cachedWithinASecond(String key) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (!redis.run(r -> r.hgetall(key)).containsKey("origin_domain")) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** A cache that runs a hook once, just before its first write: after the lookup's database read. */
    private static final class Racing implements SessionCache {
        private final SessionCache delegate;
        private final Runnable beforeFirstPut;
        private boolean fired;

        Racing(SessionCache delegate, Runnable beforeFirstPut) {
            this.delegate = delegate;
            this.beforeFirstPut = beforeFirstPut;
        }

        @Override
        public Lookup get(String id) {
            return delegate.get(id);
        }

        @Override
        public void put(Session session, String version) {
            if (!fired) {
                fired = true;
                beforeFirstPut.run();
            }
            delegate.put(session, version);
        }

        @Override
        public void evict(String id) {
            delegate.evict(id);
        }
    }
}
