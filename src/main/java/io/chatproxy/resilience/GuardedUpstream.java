package io.chatproxy.resilience;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import io.helidon.faulttolerance.Retry;

import io.chatproxy.upstream.AnswerStream;
import io.chatproxy.upstream.Upstream;
import io.chatproxy.upstream.UpstreamException;
import io.chatproxy.upstream.UpstreamRequest;

/**
 * n8n behind a circuit breaker: after too many failed calls the breaker opens and calls fail at once, without
 * reaching n8n, until a trial call succeeds. A connection that is refused is retried once (nothing reached n8n, so
 * no message can be duplicated); nothing else is ever retried.
 */
public final class GuardedUpstream implements Upstream {
    private final Upstream delegate;
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final long openSeconds;

    /**
     * Guards an upstream.
     *
     * @param delegate the upstream
     * @param settings breaker and retry settings
     */
    public GuardedUpstream(Upstream delegate, ResilienceSettings settings) {
        this.delegate = delegate;
        this.breaker = CircuitBreaker.builder()
                .name("n8n")
                .volume(settings.breakerVolume())
                .errorRatio(settings.breakerErrorRatio())
                .delay(settings.breakerDelay())
                .successThreshold(settings.breakerSuccessThreshold())
                .build();
        this.retry = Retry.builder()
                .name("n8n-connect")
                .calls(2)
                .delay(settings.connectRetryDelay())
                .jitter(Duration.ZERO)
                .overallTimeout(settings.connectRetryDelay().multipliedBy(2).plusSeconds(60))
                .applyOn(Set.of(UpstreamException.Unreachable.class))
                .build();
        this.openSeconds = Math.max(1, settings.breakerDelay().toSeconds());
    }

    @Override
    public AnswerStream open(UpstreamRequest request) {
        try {
            return breaker.invoke(() -> retry.invoke(() -> delegate.open(request)));
        } catch (CircuitBreakerOpenException e) {
            throw new UpstreamException.BreakerOpen(openSeconds);
        }
    }

    @Override
    public String description() {
        return delegate.description();
    }

    /** The breaker's state: closed, open or half_open. */
    public String breakerState() {
        return breaker.state().name().toLowerCase(Locale.ROOT);
    }

    /** The breaker's state as a number for a gauge: 0 closed, 1 half-open, 2 open. */
    public int breakerLevel() {
        return switch (breaker.state()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }

}
