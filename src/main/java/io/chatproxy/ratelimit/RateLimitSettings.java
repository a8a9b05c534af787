package io.chatproxy.ratelimit;

import io.chatproxy.config.SettingsReader;

/**
 * Limits per scope. Session and IP scopes default to RATE_LIMIT_PER_MINUTE / RATE_LIMIT_PER_HOUR; the origin scope
 * covers a whole site, so it has its own, larger defaults. Session creation has its own stricter limit.
 *
 * @param sessionPerMinute chat messages per session per minute
 * @param sessionPerHour chat messages per session per hour
 * @param ipPerMinute chat messages per client IP per minute
 * @param ipPerHour chat messages per client IP per hour
 * @param originPerMinute chat messages per site per minute
 * @param originPerHour chat messages per site per hour
 * @param createPerMinute new sessions per client IP per minute
 * @param createOriginPerMinute new sessions per site per minute
 * @param resumePerMinute answer resumes per client IP per minute
 * @param previousSessionPerMinute @n8n/chat loadPreviousSession calls per client IP per minute
 * @param ipv6PrefixLength leading bits of an IPv6 address that are one client for the per-IP limits
 */
public record RateLimitSettings(int sessionPerMinute,
        int sessionPerHour,
        int ipPerMinute,
        int ipPerHour,
        int originPerMinute,
        int originPerHour,
        int createPerMinute,
        int createOriginPerMinute,
        int resumePerMinute,
        int previousSessionPerMinute,
        int ipv6PrefixLength) {
    private static final int MAX = 10_000_000;

    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static RateLimitSettings read(SettingsReader r) {
        int perMinute = r.integer("rate-limit.per-minute", 1, MAX);
        int perHour = r.integer("rate-limit.per-hour", 1, MAX);
        return new RateLimitSettings(
                scope(r, "rate-limit.session.per-minute", perMinute),
                scope(r, "rate-limit.session.per-hour", perHour),
                scope(r, "rate-limit.ip.per-minute", perMinute),
                scope(r, "rate-limit.ip.per-hour", perHour),
                r.integer("rate-limit.origin.per-minute", 1, MAX),
                r.integer("rate-limit.origin.per-hour", 1, MAX),
                r.integer("rate-limit.session-create.per-minute", 1, MAX),
                r.integer("rate-limit.session-create.origin-per-minute", 1, MAX),
                r.integer("rate-limit.resume.per-minute", 1, MAX),
                r.integer("rate-limit.previous-session.per-minute", 1, MAX),
                r.integer("rate-limit.ipv6-prefix-length", 32, 128));
    }

    private static int scope(SettingsReader r, String key, int fallback) {
        return r.optionalString(key).isPresent() ? r.integer(key, 1, MAX) : fallback;
    }
}
