package io.chatproxy.chat;

import java.time.Duration;
import java.util.Locale;

import io.chatproxy.config.SettingsReader;

/**
 * Timing of a relayed stream.
 *
 * @param heartbeat interval of {@code : ping} comments
 * @param firstChunkTimeout longest wait for the first piece of the answer
 * @param idleTimeout longest silence between pieces
 * @param maxMessageLength longest visitor message, in characters
 * @param continueOnDisconnect whether an answer is read to its end after the client left
 * @param maxBackgroundPerSession most answers of one session continuing without a client
 * @param lease how long an answer's lease lasts without renewal
 * @param resumeTtl how long an ended answer can be resumed from the journal
 * @param storeRetry how long storing a complete answer is retried before the visitor gets {@code storage_unavailable}
 */
public record StreamSettings(Duration heartbeat, Duration firstChunkTimeout, Duration idleTimeout,
        int maxMessageLength, boolean continueOnDisconnect, int maxBackgroundPerSession,
        Duration lease, Duration resumeTtl, Duration storeRetry) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static StreamSettings read(SettingsReader r) {
        String continueMode = r.string("resilience.continue-on-disconnect").toLowerCase(Locale.ROOT);
        boolean continueOnDisconnect = switch (continueMode) {
            case "auto" -> r.optionalString("redis.url").isPresent();
            case "true" -> true;
            case "false" -> false;
            default -> throw SettingsReader.invalid("resilience.continue-on-disconnect", "must be auto, true or false");
        };
        return new StreamSettings(r.duration("chat.heartbeat-interval"),
                r.duration("n8n.first-byte-timeout"),
                r.duration("n8n.idle-timeout"),
                r.integer("chat.max-message-length", 1, 100_000),
                continueOnDisconnect,
                r.integer("resilience.max-background-answers-per-session", 0, 100),
                r.duration("resilience.answer-lease"),
                r.duration("chat.resume-ttl"),
                r.duration("chat.answer-store-retry"));
    }
}
