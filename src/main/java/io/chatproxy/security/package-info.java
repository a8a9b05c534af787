/**
 * Signed tokens (HS256 JWT, signing keys and their strength check), the browser fingerprint, client addresses behind
 * trusted proxies, allowed origins and CORS, and threat detection on message text. No HTTP handlers of its own but
 * the origin and CORS filters; may use config and web.
 */
package io.chatproxy.security;
