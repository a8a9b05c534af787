package io.chatproxy.ratelimit;

import java.util.List;

import io.chatproxy.redis.Pending;

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

    /**
     * Sends the check without waiting for its answer, so that it shares a round trip with other Redis commands
     * started before either is awaited. The request is counted (or refused) as by {@link #acquire}; failures, a
     * refusal of the limiter itself included, surface when the decision is awaited.
     *
     * @param limits the limits of this request (not empty)
     * @return the decision, once awaited
     */
    default Pending<Decision> start(List<Limit> limits) {
        return Pending.of(acquire(limits));
    }

    /** Short name for /health: "in-process" or "redis". */
    String kind();

    /** Whether the limiter works as configured (false while Redis is down and a fallback is used). */
    boolean healthy();
}
