package io.chatproxy.chat;

import java.util.List;

/**
 * Counters for chat streams, implemented by the metrics feature.
 */
public interface StreamEvents {
    /** A stream started. */
    void streamStarted();

    /**
     * A stream ended.
     *
     * @param outcome complete, partial or error
     * @param chunks chunks relayed
     */
    void streamEnded(MessageStatus outcome, int chunks);

    /** The browser went away mid-stream. */
    void clientDisconnected();

    /** A message was stored. */
    void messageReceived();

    /**
     * Time from calling the upstream to its first chunk.
     *
     * @param nanos elapsed nanoseconds
     */
    void firstChunk(long nanos);

    /**
     * Threat detection matched rules in a message.
     *
     * @param rules the rules
     */
    void threatDetected(List<String> rules);

    /**
     * The upstream could not answer.
     *
     * @param code error code
     */
    void upstreamFailed(String code);
}
