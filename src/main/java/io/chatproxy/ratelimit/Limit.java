package io.chatproxy.ratelimit;

import java.time.Duration;

/**
 * One limit to check: at most {@code max} requests per {@code window} for one subject of a scope.
 *
 * @param scope scope name as shown in headers, e.g. {@code ip-minute}
 * @param subject who is limited (an IP, a session id, a domain)
 * @param max requests allowed per window
 * @param window window length
 */
public record Limit(String scope, String subject, int max, Duration window) {
    /** Key under which the counters are kept. */
    public String key() {
        return scope + ":" + subject;
    }
}
