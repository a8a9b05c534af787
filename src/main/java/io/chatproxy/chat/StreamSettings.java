package io.chatproxy.chat;

import java.time.Duration;

import io.chatproxy.config.SettingsReader;

/**
 * Timing of a relayed stream.
 *
 * @param heartbeat interval of {@code : ping} comments
 * @param firstChunkTimeout longest wait for the first piece of the answer
 * @param idleTimeout longest silence between pieces
 * @param maxMessageLength longest visitor message, in characters
 */
public record StreamSettings(Duration heartbeat, Duration firstChunkTimeout, Duration idleTimeout,
                             int maxMessageLength) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static StreamSettings read(SettingsReader r) {
        return new StreamSettings(r.duration("chat.heartbeat-interval"),
                                  r.duration("n8n.first-byte-timeout"),
                                  r.duration("n8n.idle-timeout"),
                                  r.integer("chat.max-message-length", 1, 100_000));
    }
}
