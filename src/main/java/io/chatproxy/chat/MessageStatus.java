package io.chatproxy.chat;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * State of a stored message; {@link #text()} is the value in the database, the API and the metrics.
 */
public enum MessageStatus {
    /** The whole message. */
    COMPLETE,
    /** Part of an answer: the stream ended early (disconnect, timeout, shutdown). */
    PARTIAL,
    /** The answer failed; content is what arrived before the failure. */
    ERROR,
    /** The answer is still being received. */
    STREAMING;

    /** The value stored and shown in the API. */
    @JsonValue
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The status stored as {@code text}.
     *
     * @param text a value of {@link #text()}
     * @return the status
     * @throws IllegalArgumentException for an unknown value
     */
    public static MessageStatus of(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
