package io.chatproxy.chat;

/**
 * Why an answer in flight was stopped before n8n ended it. The code is the {@code error} event's code, the journal
 * ending's code and the {@code chat.upstream.errors} tag; the message is what the visitor reads.
 */
enum AbortReason {
    /** The browser went away and the answer may not continue in the background. */
    CLIENT_GONE("client_gone", "The visitor left before the answer ended"),
    /** n8n was silent longer than the first-chunk or idle timeout. */
    UPSTREAM_TIMEOUT("upstream_timeout", "The workflow took too long to answer"),
    /** The server is draining. */
    SERVER_SHUTDOWN("server_shutdown", "The server is restarting: please retry");

    private final String code;
    private final String message;

    AbortReason(String code, String message) {
        this.code = code;
        this.message = message;
    }

    /** The wire code. */
    String code() {
        return code;
    }

    /** The text for the visitor. */
    String message() {
        return message;
    }
}
