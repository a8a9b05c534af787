/**
 * Rate limits: sliding windows per session, IP, site and route scope, decided in-process (embedded mode) or by one
 * Lua script in Redis shared by every replica, with the {@code on-redis-failure} policy when Redis is unreachable.
 * {@code RateLimitGuard} turns a refusal into 429 with {@code Retry-After}. May use config, redis, security (IP literals), tracing and web.
 */
package io.chatproxy.ratelimit;
