/**
 * Chat messages and their answers: taking a visitor message in ({@code MessageIntake}: limits, cleaning, threat
 * check, storage), relaying n8n's answer as it arrives ({@code AnswerRelay}) in the client's wire format (SSE, n8n's
 * NDJSON, or one JSON document), journaling every chunk so an answer can be resumed on any replica
 * ({@code AnswerJournal}, {@code AnswerResumer}), and history. May use session (who is asking), ratelimit, security
 * (threat detection), upstream (n8n), persistence, redis and web; nothing outside uses its internals but the routes
 * registered by {@code ChatService} and {@code N8nChatService}.
 */
package io.chatproxy.chat;
