package io.chatproxy.session;

import java.time.Clock;
import java.util.Optional;

import io.chatproxy.persistence.Database;
import io.chatproxy.ratelimit.RateLimitGuard;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.SecuritySettings;
import io.chatproxy.security.TokenKind;
import io.chatproxy.web.JsonCodec;

/**
 * The session feature, built from the {@code security}, {@code session} and {@code redis} sections: the store (with
 * its Redis cache when Redis is configured), the cookie, the authenticator other features call, and the
 * {@code /api/v1/session} service.
 *
 * @param store sessions in the database
 * @param authenticator cookie → verified session (for the chat feature)
 * @param opener opens or re-opens a session (for @n8n/chat)
 * @param pageUrls how page URLs are kept
 * @param service {@code /api/v1/session}
 */
public record Sessions(SessionStore store, SessionAuthenticator authenticator, SessionOpener opener, PageUrls pageUrls,
        SessionService service) {
    /**
     * Builds the feature.
     *
     * @param security the {@code security} section
     * @param session the {@code session} section
     * @param redisSettings the {@code redis} section (cache TTL)
     * @param redis Redis, when configured
     * @param database the database
     * @param rateLimits the rate-limit guard
     * @param clientAddress the client's address behind trusted proxies
     * @param events counters
     * @param json JSON codec
     * @param clock time source
     * @return the feature
     */
    public static Sessions create(SecuritySettings security, SessionSettings session, RedisSettings redisSettings,
            Optional<RedisConnections> redis, Database database, RateLimitGuard rateLimits,
            ClientAddress clientAddress, SessionEvents events, JsonCodec json, Clock clock) {
        JwtCodec tokens = new JwtCodec(TokenKind.SESSION, security.algorithm(), security.issuer(),
                security.sessionKey(), security.previousSessionKeys(), clock);
        SessionStore store = new SessionStore(database, cache(redisSettings, redis, database, clock));
        SessionCookie cookie = new SessionCookie(session);
        SessionAuthenticator authenticator = new SessionAuthenticator(tokens, store, cookie, security.sessionTtl(),
                security.absoluteSessionLifetime(), clock, events);
        PageUrls pageUrls = new PageUrls(session.forwardPageQuery());
        SessionOpener opener = new SessionOpener(store, security.sessionTtl(), clock, events);
        SessionService service = new SessionService(store, authenticator, cookie, security.allowedOrigins(), json,
                clock, rateLimits, clientAddress, opener, pageUrls);
        return new Sessions(store, authenticator, opener, pageUrls, service);
    }

    /** Redis when configured; else this process's memory when no other process can change the sessions; else none. */
    private static SessionCache cache(RedisSettings redisSettings, Optional<RedisConnections> redis, Database database,
            Clock clock) {
        if (redis.isPresent()) {
            return new RedisSessionCache(redis.get(), redisSettings.sessionCacheTtl(), clock);
        }
        return database.privateToThisProcess() ? new LocalSessionCache(clock) : SessionCache.NONE;
    }
}
