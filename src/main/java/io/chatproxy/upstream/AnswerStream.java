package io.chatproxy.upstream;

import java.util.Optional;

/**
 * The body of an upstream answer, read event by event as it arrives.
 */
public interface AnswerStream extends AutoCloseable {
    /**
     * Blocks until the next event.
     *
     * @return the event, or empty when the answer has ended normally
     */
    Optional<AnswerEvent> next();

    /** Aborts the answer: closes the connection. Safe to call from another thread, and more than once. */
    @Override
    void close();
}
