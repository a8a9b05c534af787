package io.chatproxy.ratelimit;

/**
 * Counters for rate-limit outcomes, implemented by the metrics feature.
 */
public interface RateLimitEvents {
    /** A request passed. */
    void allowed();

    /**
     * A request was refused.
     *
     * @param scope the scope that tripped
     */
    void rejected(String scope);
}
