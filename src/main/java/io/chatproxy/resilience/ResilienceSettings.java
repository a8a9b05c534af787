package io.chatproxy.resilience;

import java.time.Duration;
import java.util.Locale;

import io.chatproxy.config.SettingsReader;

/**
 * Admission per route group, the circuit breaker around n8n, and the drain on shutdown.
 *
 * @param chat admission of chat streams
 * @param session admission of session calls
 * @param history admission of history reads
 * @param breakerVolume calls the breaker looks at
 * @param breakerErrorRatio percentage of failures among them that opens it
 * @param breakerDelay how long it stays open before letting a trial call through
 * @param breakerSuccessThreshold successful trial calls that close it again
 * @param connectRetryDelay pause before the single retry of a refused connection
 * @param drainTimeout how long open streams may finish after SIGTERM
 * @param continueOnDisconnect whether an answer is read to its end after the visitor left
 * @param maxBackgroundPerSession most answers of one session continuing without a visitor
 * @param answerLease how long a relaying replica's lease on an answer lasts without renewal
 */
public record ResilienceSettings(AdmissionSize chat,
        AdmissionSize session,
        AdmissionSize history,
        int breakerVolume,
        int breakerErrorRatio,
        Duration breakerDelay,
        int breakerSuccessThreshold,
        Duration connectRetryDelay,
        Duration drainTimeout,
        ContinueOnDisconnect continueOnDisconnect,
        int maxBackgroundPerSession,
        Duration answerLease) {
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
                r.duration("resilience.drain-timeout"),
                continueOnDisconnect(r),
                r.integer("resilience.max-background-answers-per-session", 0, 100),
                r.duration("resilience.answer-lease"));
    }

    private static ContinueOnDisconnect continueOnDisconnect(SettingsReader r) {
        return switch (r.string("resilience.continue-on-disconnect").toLowerCase(Locale.ROOT)) {
            case "auto" -> ContinueOnDisconnect.AUTO;
            case "true" -> ContinueOnDisconnect.ALWAYS;
            case "false" -> ContinueOnDisconnect.NEVER;
            default -> throw SettingsReader.invalid("resilience.continue-on-disconnect", "must be auto, true or false");
        };
    }

    /** {@code resilience.continue-on-disconnect}: {@code auto}, {@code true} or {@code false}. */
    public enum ContinueOnDisconnect {
        /** When Redis is configured (another replica can then serve the resume). */
        AUTO,
        /** Always. */
        ALWAYS,
        /** Never: the answer stops when the visitor leaves. */
        NEVER;

        /**
         * Whether answers continue.
         *
         * @param redisConfigured whether Redis is configured
         * @return true when an answer is read on after its visitor left
         */
        public boolean continues(boolean redisConfigured) {
            return this == ALWAYS || (this == AUTO && redisConfigured);
        }
    }

    private static AdmissionSize size(SettingsReader r, String group) {
        String prefix = "resilience.admission." + group;
        return new AdmissionSize(r.integer(prefix + ".permits", 1, 1_000_000),
                r.duration(prefix + ".max-wait"),
                r.integer(prefix + ".max-waiters", 0, 1_000_000));
    }

    /**
     * Admission of one route group.
     *
     * @param permits requests served at once
     * @param maxWait longest a request waits for a permit before 503 server_busy
     * @param maxWaiters requests that may wait at once; one more is refused at once
     */
    public record AdmissionSize(int permits, Duration maxWait, int maxWaiters) {
    }
}
