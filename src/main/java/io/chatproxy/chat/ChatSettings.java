package io.chatproxy.chat;

import java.time.Duration;

import io.chatproxy.config.SettingsReader;

/**
 * The {@code chat} section (its {@code history} subsection is {@link HistorySettings}).
 *
 * @param heartbeat interval of {@code : ping} comments
 * @param maxMessageLength longest visitor message, in characters
 * @param resumeTtl how long an ended answer can be resumed from the journal
 * @param storeRetry how long storing an answer is retried after its first failure (a complete one: before the
 *        visitor gets {@code storage_unavailable})
 */
public record ChatSettings(Duration heartbeat, int maxMessageLength, Duration resumeTtl, Duration storeRetry) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static ChatSettings read(SettingsReader r) {
        return new ChatSettings(r.duration("chat.heartbeat-interval"),
                r.integer("chat.max-message-length", 1, 100_000),
                r.duration("chat.resume-ttl"),
                r.duration("chat.answer-store-retry"));
    }
}
