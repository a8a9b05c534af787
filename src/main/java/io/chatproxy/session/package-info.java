/**
 * Visitor sessions: {@code /api/v1/session} (create, validate, end), the session cookie, the store in the database
 * with a cache in Redis, and {@code SessionAuthenticator}, which turns a request's cookie into a verified session
 * (signature, fingerprint, revocation, origin binding) for the other features, with what a feature starts alongside
 * the session lookup (the chat message's rate limit) in the same Redis round trip. May use config, persistence,
 * ratelimit, redis, security, tracing and web.
 */
package io.chatproxy.session;
