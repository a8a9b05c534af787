package io.chatproxy.chat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every chunk of every answer in flight, so that a client that lost its connection (or reloaded, or was talking to a
 * replica that died) can resume from the last event it saw: in Redis a Stream per answer (an entry per batch of
 * chunks, named after its last chunk's sequence number) shared by all replicas, in embedded mode an in-process
 * equivalent. The replica relaying from n8n holds a lease on the answer and renews it while it works; a lapsed lease
 * without an ending means that replica is gone.
 */
public interface AnswerJournal {
    /** The relay starts an answer and takes its lease. */
    void begin(String messageId);

    /** The relay is still working on the answer: renew the lease. */
    void renew(String messageId);

    /**
     * Chunks that arrived together, in order; they are kept (in Redis, acknowledged) when this returns, so that the
     * relay shows only what a resuming client can get back.
     *
     * @param messageId answer
     * @param firstSeq sequence of the first of them, counting from 1; the others follow one by one
     * @param texts their texts (the caller's list, reused after the call)
     */
    void append(String messageId, int firstSeq, List<String> texts);

    /**
     * The answer ended; the journal keeps it for the resume TTL.
     *
     * @param messageId answer
     * @param lastSeq sequence of the last chunk
     * @param ending how it ended
     */
    void finish(String messageId, int lastSeq, Ending ending);

    /**
     * Reads what followed {@code afterSeq}, waiting up to {@code wait} when nothing has yet.
     *
     * @param messageId answer
     * @param afterSeq last sequence the reader has
     * @param wait longest wait for something new
     * @return what was found
     * @throws UnavailableException when the journal cannot be read
     */
    Replay read(String messageId, int afterSeq, Duration wait);

    /**
     * All chunks of an answer, in order (to store a partial answer whose relay died).
     *
     * @throws UnavailableException when the journal cannot be read
     */
    List<String> chunks(String messageId);

    /** The application is closing: let go of whatever is kept in this process (Redis keeps its own until expiry). */
    default void close() {
    }

    /** The journal cannot be read right now (Redis unreachable or failing over). */
    final class UnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Wraps the store's failure. */
        public UnavailableException(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * How an answer ended.
     *
     * @param code null for a normal end, else the error code
     * @param message error message, or null
     */
    record Ending(String code, String message) {
        /** A normal end. */
        public static final Ending END = new Ending(null, null);

        /** Whether it ended normally. */
        public boolean normal() {
            return code == null;
        }
    }

    /**
     * One chunk.
     *
     * @param seq sequence number
     * @param text the text
     */
    record Chunk(int seq, String text) {
    }

    /**
     * The result of a read.
     *
     * @param known whether the journal holds this answer at all
     * @param chunks chunks after the requested sequence
     * @param ending the ending, if the answer ended
     * @param producerAlive whether a replica still holds the answer's lease
     */
    record Replay(boolean known, List<Chunk> chunks, Optional<Ending> ending, boolean producerAlive) {
    }
}
