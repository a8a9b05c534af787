package io.chatproxy.chat;

/**
 * A visitor message and the placeholder for its answer, stored together before n8n is called.
 *
 * @param userMessageId id of the stored user message
 * @param answerId id of the assistant message (also the SSE {@code message_id})
 */
public record Exchange(String userMessageId, String answerId) {
}
