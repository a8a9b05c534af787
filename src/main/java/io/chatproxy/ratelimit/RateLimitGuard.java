package io.chatproxy.ratelimit;

import io.chatproxy.tracing.Spans;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.redis.Pending;
import io.chatproxy.web.ApiException;

/**
 * Applies the limits of each kind of request and writes the IETF {@code RateLimit-Policy} / {@code RateLimit}
 * headers (draft-ietf-httpapi-ratelimit-headers): on success for the tightest scope, on 429 for the scope that
 * tripped, with {@code Retry-After}.
 */
public final class RateLimitGuard {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration HOUR = Duration.ofHours(1);

    private final RateLimiter limiter;
    private final RateLimitSettings settings;
    private final RateLimitEvents events;
    private final ClientNetwork network;

    /**
     * Creates the guard.
     *
     * @param limiter the limiter (in-process or Redis)
     * @param settings limits
     * @param events counters
     */
    public RateLimitGuard(RateLimiter limiter, RateLimitSettings settings, RateLimitEvents events) {
        this.limiter = limiter;
        this.settings = settings;
        this.events = events;
        this.network = new ClientNetwork(settings.ipv6PrefixLength());
    }

    /** Limits a chat message. */
    public void chatMessage(BiConsumer<String, String> headers, String clientIp, String sessionId,
            String originDomain) {
        startChatMessage(headers, clientIp, sessionId, originDomain).await();
    }

    /**
     * Starts {@link #chatMessage}: the check is sent at once (see {@link RateLimiter#start}); awaiting it writes the
     * headers of an allowed message or throws the 429.
     *
     * @param headers receives the rate-limit headers of an allowed message
     * @param clientIp the client's address
     * @param sessionId the session
     * @param originDomain the session's site
     * @return the decision, applied once awaited
     */
    public Pending<Decision> startChatMessage(BiConsumer<String, String> headers, String clientIp, String sessionId,
            String originDomain) {
        String client = network.key(clientIp);
        return start(headers, List.of(
                new Limit("session-minute", sessionId, settings.sessionPerMinute(), MINUTE),
                new Limit("session-hour", sessionId, settings.sessionPerHour(), HOUR),
                new Limit("ip-minute", client, settings.ipPerMinute(), MINUTE),
                new Limit("ip-hour", client, settings.ipPerHour(), HOUR),
                new Limit("origin-minute", originDomain, settings.originPerMinute(), MINUTE),
                new Limit("origin-hour", originDomain, settings.originPerHour(), HOUR)));
    }

    /** Limits the creation of a session. */
    public void sessionCreate(ServerResponse res, String clientIp, String originDomain) {
        String client = network.key(clientIp);
        apply(res::header, List.of(
                new Limit("create-ip-minute", client, settings.createPerMinute(), MINUTE),
                new Limit("create-origin-minute", originDomain, settings.createOriginPerMinute(), MINUTE)));
    }

    /** Limits resuming an answer's stream (each resume holds a chat permit while it lasts). */
    public void resume(ServerResponse res, String clientIp) {
        String client = network.key(clientIp);
        apply(res::header, List.of(new Limit("resume-ip-minute", client, settings.resumePerMinute(), MINUTE)));
    }

    /** Limits @n8n/chat's loadPreviousSession (each reads a whole history). */
    public void previousSession(ServerResponse res, String clientIp) {
        String client = network.key(clientIp);
        apply(res::header, List.of(new Limit("previous-session-ip-minute", client, settings.previousSessionPerMinute(),
                MINUTE)));
    }

    /** The limiter, for health and metrics. */
    public RateLimiter limiter() {
        return limiter;
    }

    private void apply(BiConsumer<String, String> headers, List<Limit> limits) {
        start(headers, limits).await();
    }

    private Pending<Decision> start(BiConsumer<String, String> headers, List<Limit> limits) {
        Pending<Decision> sent = limiter.start(limits);
        return () -> decide(headers, limits, sent);
    }

    private Decision decide(BiConsumer<String, String> headers, List<Limit> limits, Pending<Decision> sent) {
        Decision decision;
        try (Spans.Child span = Spans.child("rate_limit.decide")) {
            decision = sent.await();
            span.attribute("chat.rate_limit.scopes",
                    String.join(",", limits.stream().map(Limit::scope).toList()))
                    .attribute("chat.rate_limit.outcome", decision.allowed() ? "allowed" : "rejected")
                    .attribute("chat.rate_limit.scope", decision.limit().scope());
        }
        Limit limit = decision.limit();
        String policy = "\"" + limit.scope() + "\";q=" + limit.max() + ";w=" + limit.window().toSeconds();
        String state = "\"" + limit.scope() + "\";r=" + decision.remaining() + ";t=" + decision.resetSeconds();
        if (decision.allowed()) {
            events.allowed();
            headers.accept("RateLimit-Policy", policy);
            headers.accept("RateLimit", state);
            return decision;
        }
        events.rejected(limit.scope());
        throw new ApiException(Status.TOO_MANY_REQUESTS_429, "rate_limited",
                "Too many requests: try again in " + decision.resetSeconds() + " s",
                Map.of("Retry-After", Long.toString(decision.resetSeconds()),
                        "RateLimit-Policy", policy,
                        "RateLimit", state),
                Map.of("scope", limit.scope(), "retry_after", decision.resetSeconds()));
    }
}
