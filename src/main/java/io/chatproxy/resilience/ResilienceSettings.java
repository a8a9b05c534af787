package io.chatproxy.resilience;

import java.time.Duration;

import io.chatproxy.config.SettingsReader;

/**
 * Bulkheads, the circuit breaker around n8n, and the drain on shutdown.
 *
 * @param chat bulkhead of chat streams
 * @param session bulkhead of session calls
 * @param history bulkhead of history reads
 * @param breakerVolume calls the breaker looks at
 * @param breakerErrorRatio percentage of failures among them that opens it
 * @param breakerDelay how long it stays open before letting a trial call through
 * @param breakerSuccessThreshold successful trial calls that close it again
 * @param connectRetryDelay pause before the single retry of a refused connection
 * @param drainTimeout how long open streams may finish after SIGTERM
 */
public record ResilienceSettings(BulkheadSize chat,
        BulkheadSize session,
        BulkheadSize history,
        int breakerVolume,
        int breakerErrorRatio,
        Duration breakerDelay,
        int breakerSuccessThreshold,
        Duration connectRetryDelay,
        Duration drainTimeout) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static ResilienceSettings read(SettingsReader r) {
        return new ResilienceSettings(size(r, "chat"), size(r, "session"), size(r, "history"),
                r.integer("resilience.circuit-breaker.volume", 1, 10_000),
                r.integer("resilience.circuit-breaker.error-ratio", 1, 100),
                r.duration("resilience.circuit-breaker.delay"),
                r.integer("resilience.circuit-breaker.success-threshold", 1, 1000),
                r.duration("resilience.connect-retry-delay"),
                r.duration("resilience.drain-timeout"));
    }

    private static BulkheadSize size(SettingsReader r, String group) {
        return new BulkheadSize(r.integer("resilience.bulkheads." + group + ".limit", 1, 1_000_000),
                r.integer("resilience.bulkheads." + group + ".queue", 0, 1_000_000));
    }

    /**
     * Size of one bulkhead.
     *
     * @param limit calls at once
     * @param queue calls waiting for a place
     */
    public record BulkheadSize(int limit, int queue) {
    }
}
