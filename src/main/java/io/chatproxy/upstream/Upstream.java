package io.chatproxy.upstream;

/**
 * Where answers come from: n8n's webhook, or the built-in demo.
 */
public interface Upstream {
    /**
     * Sends a message and waits for the answer to start (status and headers).
     *
     * @param request the message
     * @return the answer, to be read as it streams
     * @throws UpstreamException when no answer can start
     */
    AnswerStream open(UpstreamRequest request);

    /** A short description for /health, without secrets. */
    String description();
}
