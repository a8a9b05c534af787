package io.chatproxy.ratelimit;

class LocalRateLimiterTest extends RateLimiterContract {
    private final LocalRateLimiter limiter = new LocalRateLimiter(clock);

    @Override
    RateLimiter limiter() {
        return limiter;
    }
}
