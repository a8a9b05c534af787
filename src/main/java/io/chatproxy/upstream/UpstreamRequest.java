package io.chatproxy.upstream;

import io.chatproxy.security.ThreatVerdict;

/**
 * One visitor message to forward.
 *
 * @param sessionId the visitor's session
 * @param origin the session's origin
 * @param message the cleaned message text
 * @param originDomain the site's domain
 * @param pageUrl the page the visitor is on (may be empty)
 * @param messageId id of the stored user message
 * @param requestId id of the HTTP request, for correlating logs
 * @param threat threat-detection verdict to pass along (NONE when not flagged)
 * @param traceparent the caller's W3C trace context, or empty
 */
public record UpstreamRequest(String sessionId,
        String origin,
        String message,
        String originDomain,
        String pageUrl,
        String messageId,
        String requestId,
        ThreatVerdict threat,
        String traceparent) {
    /** The same request carrying another W3C trace context (the n8n client span's). */
    public UpstreamRequest withTraceparent(String context) {
        return new UpstreamRequest(sessionId, origin, message, originDomain, pageUrl, messageId, requestId, threat,
                context);
    }
}
