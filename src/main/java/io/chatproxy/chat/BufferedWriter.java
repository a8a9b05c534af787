package io.chatproxy.chat;

import java.util.Optional;

/**
 * Collects a whole answer for clients that want one JSON document ({@code @n8n/chat} without streaming).
 */
final class BufferedWriter implements AnswerWriter {
    private final StringBuilder text = new StringBuilder();
    private String errorMessage;
    private boolean complete;

    @Override
    public boolean start(String messageId, String sessionId) {
        return true;
    }

    @Override
    public boolean chunk(String messageId, int seq, String chunk) {
        text.append(chunk);
        return true;
    }

    @Override
    public boolean end(String messageId) {
        complete = true;
        return true;
    }

    @Override
    public boolean error(String code, String message) {
        errorMessage = message;
        return true;
    }

    @Override
    public boolean heartbeat() {
        return true;
    }

    @Override
    public boolean gone() {
        return false;
    }

    @Override
    public void close() {
    }

    /** The text received. */
    String text() {
        return text.toString();
    }

    /** The failure, if the answer did not complete. */
    Optional<String> failure() {
        return complete ? Optional.empty() : Optional.ofNullable(errorMessage).or(() -> Optional.of("No answer"));
    }
}
