package io.chatproxy.ratelimit;

import java.util.List;

/**
 * Checks and counts a request against several limits at once: either every limit has room and the request is counted
 * in all of them, or it is counted in none.
 */
public interface RateLimiter {
    /**
     * Checks and counts.
     *
     * @param limits the limits of this request (not empty)
     * @return the decision
     */
    Decision acquire(List<Limit> limits);

    /** Short name for /health: "in-process" or "redis". */
    String kind();

    /** Whether the limiter works as configured (false while Redis is down and a fallback is used). */
    boolean healthy();
}
