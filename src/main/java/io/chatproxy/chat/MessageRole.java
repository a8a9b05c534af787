package io.chatproxy.chat;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Who wrote a stored message; {@link #text()} is the value in the database and the API.
 */
public enum MessageRole {
    /** The visitor. */
    USER,
    /** The workflow's answer. */
    ASSISTANT;

    /** The value stored and shown in the API. */
    @JsonValue
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The role stored as {@code text}.
     *
     * @param text a value of {@link #text()}
     * @return the role
     * @throws IllegalArgumentException for an unknown value
     */
    public static MessageRole of(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
