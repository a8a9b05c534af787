package io.chatproxy.chat;

import java.time.Duration;

import io.chatproxy.resilience.ResilienceSettings;
import io.chatproxy.upstream.N8nSettings;

/**
 * What a relayed stream needs to know, gathered from the sections that own each setting ({@code chat}, {@code n8n},
 * {@code resilience}) when the application is built.
 *
 * @param heartbeat interval of {@code : ping} comments
 * @param firstChunkTimeout longest wait for the first piece of the answer
 * @param idleTimeout longest silence between pieces
 * @param maxMessageLength longest visitor message, in characters
 * @param continueOnDisconnect whether an answer is read to its end after the client left
 * @param maxBackgroundPerSession most answers of one session continuing without a client
 * @param lease how long an answer's lease lasts without renewal
 * @param resumeTtl how long an ended answer can be resumed from the journal
 * @param storeRetry how long storing an answer is retried after its first failure (a complete one: before the
 *        visitor gets {@code storage_unavailable})
 */
public record StreamSettings(Duration heartbeat, Duration firstChunkTimeout, Duration idleTimeout,
        int maxMessageLength, boolean continueOnDisconnect, int maxBackgroundPerSession,
        Duration lease, Duration resumeTtl, Duration storeRetry) {
    /**
     * Gathers the stream's settings.
     *
     * @param chat the chat section
     * @param n8n the n8n section (its timeouts)
     * @param resilience the resilience section (background answers, lease)
     * @param redisConfigured whether Redis is configured ({@code continue-on-disconnect: auto} depends on it)
     * @return settings
     */
    public static StreamSettings of(ChatSettings chat, N8nSettings n8n, ResilienceSettings resilience,
            boolean redisConfigured) {
        return new StreamSettings(chat.heartbeat(), n8n.firstByteTimeout(), n8n.idleTimeout(),
                chat.maxMessageLength(), resilience.continueOnDisconnect().continues(redisConfigured),
                resilience.maxBackgroundPerSession(), resilience.answerLease(), chat.resumeTtl(),
                chat.storeRetry());
    }
}
