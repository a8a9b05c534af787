package io.chatproxy.session;

/**
 * Counters for session events, implemented by the metrics feature.
 */
public interface SessionEvents {
    /** A session was created. */
    void created();

    /** A cookie failed verification. */
    void invalidToken();

    /** A verified cookie came from another browser. */
    void fingerprintMismatch();
}
