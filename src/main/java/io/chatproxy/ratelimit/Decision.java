package io.chatproxy.ratelimit;

/**
 * The outcome of a rate-limit check.
 *
 * @param allowed whether the request may proceed (and was counted)
 * @param limit the limit that refused the request, or when allowed the one with the least room left
 * @param remaining requests left in that limit after this one
 * @param resetSeconds seconds until that limit has room again (for {@code RateLimit: t=})
 */
public record Decision(boolean allowed, Limit limit, long remaining, long resetSeconds) {
}
