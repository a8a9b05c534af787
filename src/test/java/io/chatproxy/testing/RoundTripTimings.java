package io.chatproxy.testing;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntConsumer;

import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.WritableHeaders;

import io.chatproxy.chat.MessageStore;
import io.chatproxy.config.SettingsReader;
import io.chatproxy.config.SettingsSource;
import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.DatabaseSettings;
import io.chatproxy.persistence.DbTime;
import io.chatproxy.ratelimit.Decision;
import io.chatproxy.ratelimit.Limit;
import io.chatproxy.ratelimit.RedisRateLimiter;
import io.chatproxy.redis.Pending;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.security.BrowserFingerprint;
import io.chatproxy.security.InvalidTokenException;
import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.OriginPolicy;
import io.chatproxy.security.SigningKey;
import io.chatproxy.security.TokenKind;
import io.chatproxy.session.RedisSessionCache;
import io.chatproxy.session.Session;
import io.chatproxy.session.SessionCache;
import io.chatproxy.session.SessionStore;

/**
 * Median time of the steps before n8n is called, the way they were (sequential) and the way they are (one round trip
 * each), on the tests' PostgreSQL and Redis. A measuring tool run by hand, not a test:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) io.chatproxy.testing.RoundTripTimings [runs]}.
 */
public final class RoundTripTimings {
    private static final String OLD_RESERVE = "UPDATE sessions SET last_seq = last_seq + :count, last_seen_at = :now "
            + "WHERE id = :id";
    private static final String OLD_SELECT = "SELECT last_seq FROM sessions WHERE id = :id";
    private static final String OLD_INSERT = "INSERT INTO chat_messages (id, session_id, seq, role, content, status, "
            + "created_at, updated_at, trace_parent) VALUES (:id, :session_id, :seq, :role, :content, :status, "
            + ":created_at, :updated_at, :trace_parent)";

    private RoundTripTimings() {
    }

    /**
     * Runs the measurements.
     *
     * @param args number of timed runs per step (default 2000)
     * @throws Exception when a service is missing
     */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        localChecks(runs);
        try (PostgresDatabase postgres = PostgresDatabase.create();
                Database db = Database.open(DatabaseSettings.read(new SettingsReader(SettingsSource.create(
                        Map.of("DATABASE_URL", postgres.url()), Files.createTempDirectory("timings")))))) {
            SessionStore sessions = new SessionStore(db, SessionCache.NONE);
            MessageStore messages = new MessageStore(db, Clock.systemUTC());
            String session = newSession(sessions);
            compare("begin(): transaction of 5 statements (before) / one statement (after)", runs,
                    i -> oldBegin(db, session), i -> messages.begin(session, "hello"));

            TestServices.Redis server = TestServices.redis();
            try (RedisConnections redis = RedisConnections.connect(server.url(), false,
                    "timings-" + UUID.randomUUID() + ":", Duration.ofSeconds(2),
                    new RedisSettings.Recovery(Duration.ofMillis(200), 1, Duration.ofMillis(500),
                            Duration.ofSeconds(10)))) {
                SessionStore cached = new SessionStore(db, new RedisSessionCache(redis, Duration.ofMinutes(5),
                        Clock.systemUTC()));
                RedisRateLimiter limiter = new RedisRateLimiter(redis, Clock.systemUTC());
                cached.find(session); // cached from here on
                List<Limit> limits = limits(session);
                compare("session lookup then rate limit (before) / started together (after)", runs,
                        i -> sequential(cached, limiter, session, limits),
                        i -> together(cached, limiter, session, limits));
            }
        }
    }

    /** What the authenticator does before Redis is asked: all in-process. */
    private static void localChecks(int runs) throws Exception {
        JwtCodec tokens = new JwtCodec(TokenKind.SESSION, "HS256", "chat-proxy", SigningKey.random(), List.of(),
                Clock.systemUTC());
        String token = tokens.sign("s-" + UUID.randomUUID(), Duration.ofHours(1),
                Map.of("origin", "https://shop.example", "fp", "abcdefghijklmnopqrstuv"), Optional.empty());
        ServerRequestHeaders headers = ServerRequestHeaders.create(WritableHeaders.create()
                .set(HeaderNames.USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
                .set(HeaderNames.ACCEPT_LANGUAGE, "en-GB,en;q=0.8"));
        String[] fresh = new String[runs + runs / 4];
        for (int i = 0; i < fresh.length; i++) {
            fresh[i] = tokens.sign("s-" + UUID.randomUUID(), Duration.ofHours(1),
                    Map.of("origin", "https://shop.example", "fp", "abcdefghijklmnopqrstuv"), Optional.empty());
        }
        report("JwtCodec.verify, a token seen for the first time", runs, i -> verify(tokens, fresh[i]));
        report("JwtCodec.verify, a token verified before", runs, i -> verify(tokens, token));
        report("BrowserFingerprint.of", runs, i -> {
            var unused = BrowserFingerprint.of(headers);
        });
        report("OriginPolicy.hostOf", runs, i -> {
            var unused = OriginPolicy.hostOf("https://shop.example");
        });
    }

    private static void verify(JwtCodec tokens, String token) {
        try {
            var unused = tokens.verify(token);
        } catch (InvalidTokenException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sequential(SessionStore sessions, RedisRateLimiter limiter, String session,
            List<Limit> limits) {
        var unused = sessions.find(session).orElseThrow();
        var decision = limiter.acquire(limits);
    }

    private static void together(SessionStore sessions, RedisRateLimiter limiter, String session,
            List<Limit> limits) {
        Pending<Optional<Session>> found = sessions.startFind(session);
        Pending<Decision> decided = limiter.start(limits);
        var unused = found.await().orElseThrow();
        var decision = decided.await();
    }

    private static String newSession(SessionStore sessions) {
        Instant now = Instant.now();
        String id = "timings-" + UUID.randomUUID();
        sessions.insert(new Session(id, "shop.example", "", "fp", now, now.plus(Duration.ofDays(1)),
                Optional.empty()));
        return id;
    }

    /** The chat message's six limits, wide enough never to refuse. */
    private static List<Limit> limits(String session) {
        Duration minute = Duration.ofMinutes(1);
        Duration hour = Duration.ofHours(1);
        int max = Integer.MAX_VALUE / 2;
        return List.of(new Limit("session-minute", session, max, minute), new Limit("session-hour", session, max, hour),
                new Limit("ip-minute", "10.0.0.1", max, minute), new Limit("ip-hour", "10.0.0.1", max, hour),
                new Limit("origin-minute", "shop.example", max, minute),
                new Limit("origin-hour", "shop.example", max, hour));
    }

    /** MessageStore.begin as it was: reserve, read back, two inserts, commit. */
    private static void oldBegin(Database db, String session) {
        var tx = db.client().transaction();
        try {
            Object now = DbTime.of(Instant.now());
            tx.createUpdate(OLD_RESERVE).addParam("count", 2).addParam("now", now).addParam("id", session).execute();
            int last = tx.createGet(OLD_SELECT).addParam("id", session).execute().orElseThrow()
                    .column("last_seq").get(Integer.class);
            oldInsert(tx, session, last - 1, "user", "hello", "complete", now);
            oldInsert(tx, session, last, "assistant", "", "streaming", now);
            tx.commit();
        } catch (RuntimeException e) {
            tx.rollback();
            throw e;
        }
    }

    private static void oldInsert(io.helidon.dbclient.DbTransaction tx, String session, int seq, String role,
            String content, String status, Object now) {
        tx.createInsert(OLD_INSERT).addParam("id", UUID.randomUUID().toString()).addParam("session_id", session)
                .addParam("seq", seq).addParam("role", role).addParam("content", content).addParam("status", status)
                .addParam("created_at", now).addParam("updated_at", now).addParam("trace_parent", "").execute();
    }

    /** Runs both ways in turn, so that the machine's load weighs on both alike. */
    private static void compare(String step, int runs, IntConsumer before, IntConsumer after) {
        for (int i = 0; i < runs / 4; i++) {
            before.accept(i); // warm-up
            after.accept(i);
        }
        long[] beforeMicros = new long[runs];
        long[] afterMicros = new long[runs];
        for (int i = 0; i < runs; i++) {
            beforeMicros[i] = micros(before, i);
            afterMicros[i] = micros(after, i);
        }
        Arrays.sort(beforeMicros);
        Arrays.sort(afterMicros);
        System.out.printf("%s: median %d -> %d µs, p90 %d -> %d µs (%d runs each)%n", step, beforeMicros[runs / 2],
                afterMicros[runs / 2], beforeMicros[runs * 9 / 10], afterMicros[runs * 9 / 10], runs);
    }

    private static long micros(IntConsumer call, int i) {
        long start = System.nanoTime();
        call.accept(i);
        return (System.nanoTime() - start) / 1000;
    }

    private static void report(String step, int runs, IntConsumer call) {
        for (int i = 0; i < runs / 4; i++) {
            call.accept(runs + i); // warm-up
        }
        long[] micros = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            call.accept(i);
            micros[i] = (System.nanoTime() - start) / 1000;
        }
        Arrays.sort(micros);
        System.out.printf("%-60s median %5d µs, p90 %5d µs (%d runs)%n", step, micros[runs / 2],
                micros[runs * 9 / 10], runs);
    }
}
