package io.chatproxy.chat;

import java.util.Locale;

/**
 * State of a stored message.
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
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
