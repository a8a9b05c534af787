package io.chatproxy.chat;

/**
 * Where a relayed answer goes, in the client's wire format: Server-Sent Events for our widget, n8n's NDJSON for
 * {@code @n8n/chat}, or a buffer for a single JSON answer. Every write returns false once the client is gone.
 */
interface AnswerWriter extends AutoCloseable {
    /** The answer starts. */
    boolean start(String messageId, String sessionId);

    /** One piece of text; {@code seq} counts from 1. */
    boolean chunk(String messageId, int seq, String text);

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
