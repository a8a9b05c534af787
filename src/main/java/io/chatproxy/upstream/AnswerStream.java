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

    /**
     * The next event if it is already here (arrived with the ones before it), without waiting for the network: lets
     * the relay take a burst together. Only the thread that calls {@link #next()} calls this.
     *
     * @return the event, or empty when none is ready, which includes the end of the answer ({@link #next()} tells)
     */
    default Optional<AnswerEvent> poll() {
        return Optional.empty();
    }

    /** Aborts the answer: closes the connection. Safe to call from another thread, and more than once. */
    @Override
    void close();
}
