package io.chatproxy.chat;

import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * Collects a whole answer for clients that want one JSON document ({@code @n8n/chat} without streaming). Its
 * heartbeat writes a space (JSON allows whitespace before the document), which commits a 200 response and is how a
 * client that left is noticed: like a streamed answer, the answer is then stopped or counted as a background answer.
 */
final class WholeAnswerWriter implements AnswerWriter {
    private final GuardedOutput out;
    private final StringBuilder text = new StringBuilder();
    private String errorMessage;
    private boolean complete;

    /**
     * Creates the writer.
     *
     * @param res the response the document goes to
     */
    WholeAnswerWriter(ServerResponse res) {
        this.out = new GuardedOutput(() -> {
            res.status(Status.OK_200);
            res.headers().set(HeaderNames.CONTENT_TYPE, "application/json");
            res.headers().set(HeaderNames.CACHE_CONTROL, "no-cache, no-transform");
            return res.outputStream();
        });
    }

    @Override
    public boolean start(String messageId, String sessionId) {
        return true;
    }

    @Override
    public boolean chunks(String messageId, int firstSeq, List<String> texts) {
        for (String chunk : texts) {
            text.append(chunk);
        }
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
        return out.write(new byte[]{' '});
    }

    @Override
    public boolean gone() {
        return out.gone();
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

    /** Whether a heartbeat already committed the response (status 200, JSON). */
    boolean committed() {
        return out.opened();
    }

    /** Ends the committed response with the document. */
    void finish(byte[] document) {
        out.write(document);
        out.close();
    }
}
