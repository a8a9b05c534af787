package io.chatproxy.chat;

import java.time.Instant;

/**
 * A message as stored.
 *
 * @param id message id
 * @param role who wrote it
 * @param content text
 * @param status complete, partial, error or streaming
 * @param createdAt creation time
 * @param traceparent the trace of the request that stored it, "" when none or not read
 */
public record StoredMessage(String id, MessageRole role, String content, MessageStatus status, Instant createdAt,
        String traceparent) {
}
