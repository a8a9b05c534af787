package io.chatproxy.chat;

import java.time.Clock;
import java.util.Optional;

import io.chatproxy.persistence.Database;
import io.chatproxy.ratelimit.RateLimitGuard;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.security.ClientAddress;
import io.chatproxy.security.OriginPolicy;
import io.chatproxy.security.ThreatDetector;
import io.chatproxy.security.ThreatSettings;
import io.chatproxy.session.Sessions;
import io.chatproxy.upstream.Upstream;
import io.chatproxy.web.JsonCodec;

/**
 * The chat feature, built from the {@code chat} section (with the stream timing gathered in {@link StreamSettings}):
 * the message store, the answer journal (Redis when configured, else in-process), the relay and its watchdog, the
 * resumer, and the two HTTP services ({@code /api/v1/chat} and @n8n/chat's {@code /api/v1/n8n/chat}).
 *
 * @param service {@code /api/v1/chat}
 * @param n8nService {@code /api/v1/n8n/chat}
 * @param watchdog the one timer watching every open answer
 * @param journal where answers are kept for resuming (closed with the feature)
 */
public record Chat(ChatService service, N8nChatService n8nService, StreamWatchdog watchdog, AnswerJournal journal)
        implements
            AutoCloseable {
    /** What the chat feature takes from the rest of the application. */
    public record Parts(Database database, Optional<RedisConnections> redis, Upstream upstream, Sessions sessions,
            RateLimitGuard rateLimits, ClientAddress clientAddress, OriginPolicy origins, ActiveStreams active,
            StreamEvents events, JsonCodec json, Clock clock) {
    }

    /**
     * Builds the feature.
     *
     * @param streams stream timing and background-answer rules
     * @param history history page sizes
     * @param threats what the threat detector does
     * @param logContent whether visitor messages are logged
     * @param parts what it takes from the other features
     * @return the feature
     */
    public static Chat create(StreamSettings streams, HistorySettings history, ThreatSettings threats,
            boolean logContent, Parts parts) {
        MessageStore messages = new MessageStore(parts.database(), parts.clock());
        AnswerJournal journal = parts.redis().<AnswerJournal>map(r -> new RedisAnswerJournal(
                r, streams.resumeTtl(), streams.lease()))
                .orElseGet(() -> new LocalAnswerJournal(streams.resumeTtl(),
                        LocalAnswerJournal.DEFAULT_MAX_ENDED_CHARS, parts.clock()));
        AnswerRelay relay = new AnswerRelay(parts.upstream(), messages, parts.json(), streams, parts.events(),
                parts.active(), journal);
        MessageIntake intake = new MessageIntake(new MessageText(streams.maxMessageLength()), new ThreatDetector(),
                threats, messages, parts.events(), logContent);
        Sessions sessions = parts.sessions();
        ChatService service = new ChatService(sessions.authenticator(), intake, messages, relay,
                new AnswerResumer(messages, journal, parts.json(), streams), parts.json(), sessions.pageUrls(),
                parts.rateLimits(), parts.clientAddress(), history);
        N8nChatService n8nService = new N8nChatService(parts.origins(), sessions.store(), sessions.opener(),
                parts.rateLimits(), parts.clientAddress(), intake, messages, relay, parts.json(), parts.clock(),
                history);
        return new Chat(service, n8nService, new StreamWatchdog(parts.active(), streams), journal);
    }

    @Override
    public void close() {
        watchdog.close();
        journal.close();
    }
}
