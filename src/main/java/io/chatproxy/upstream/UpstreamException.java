package io.chatproxy.upstream;

import java.util.OptionalInt;

/**
 * The upstream could not give an answer before streaming started.
 */
public final class UpstreamException extends RuntimeException {
    private final Kind kind;
    private final OptionalInt status;

    /**
     * Creates the exception.
     *
     * @param kind what went wrong
     * @param status the upstream's HTTP status, when it answered
     * @param message description for logs
     */
    public UpstreamException(Kind kind, OptionalInt status, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.status = status;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /** The upstream's HTTP status, if it answered. */
    public OptionalInt status() {
        return status;
    }

    /** Categories of upstream failure, each answered differently. */
    public enum Kind {
        /** Could not connect. */
        UNREACHABLE,
        /** Connected but no answer in time. */
        TIMEOUT,
        /** 404: the webhook is not registered (workflow not active, or wrong URL). */
        WORKFLOW_NOT_ACTIVE,
        /** 401/403: n8n refused the proxy's credentials. */
        CREDENTIALS_REFUSED,
        /** Any other error status. */
        ERROR_STATUS
    }
}
