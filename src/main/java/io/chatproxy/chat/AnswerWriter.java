package io.chatproxy.chat;

import java.util.List;

/**
 * Where a relayed answer goes, in the client's wire format: Server-Sent Events for our widget, n8n's NDJSON for
 * {@code @n8n/chat}, or a buffer for a single JSON answer. Every write returns false once the client is gone.
 */
interface AnswerWriter extends AutoCloseable {
    /** The answer starts. */
    boolean start(String messageId, String sessionId);

    /**
     * Pieces of text that arrived together, sent in one write.
     *
     * @param messageId answer
     * @param firstSeq sequence of the first piece, counting from 1; the others follow one by one
     * @param texts the pieces (the caller's list, reused after the call)
     * @return false when the client is gone
     */
    boolean chunks(String messageId, int firstSeq, List<String> texts);

    /** The answer ended normally. */
    boolean end(String messageId);

    /** The answer failed. */
    boolean error(String code, String message);

    /** Keeps an idle connection alive. */
    boolean heartbeat();

    /** Whether the client is gone (a write failed). */
    boolean gone();

    @Override
    void close();
}
