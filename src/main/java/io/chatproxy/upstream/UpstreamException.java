package io.chatproxy.upstream;

import java.util.OptionalInt;

/**
 * The upstream could not give an answer before streaming started.
 */
public class UpstreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Kind kind;
    private final transient OptionalInt status;

    /**
     * Creates the exception.
     *
     * @param kind what went wrong ({@link Kind#UNREACHABLE} only through {@link Unreachable})
     * @param status the upstream's HTTP status, when it answered
     * @param message description for logs
     */
    public UpstreamException(Kind kind, OptionalInt status, String message) {
        super(message, null, false, false);
        if (kind == Kind.UNREACHABLE && !(this instanceof Unreachable)) {
            throw new IllegalArgumentException(
                    "UNREACHABLE is retried, so it is thrown as UpstreamException.Unreachable");
        }
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
        /**
         * Could not connect (refused, unknown host): nothing reached n8n, so {@code GuardedUpstream} retries it.
         * Always thrown as {@link Unreachable}.
         */
        UNREACHABLE,
        /** The call failed in another way: n8n may have received it, so it is not retried. */
        CALL_FAILED,
        /** Connected but no answer in time. */
        TIMEOUT,
        /** 404: the webhook is not registered (workflow not active, or wrong URL). */
        WORKFLOW_NOT_ACTIVE,
        /** 401/403: n8n refused the proxy's credentials. */
        CREDENTIALS_REFUSED,
        /** Any other error status. */
        ERROR_STATUS,
        /** Not called: the circuit breaker is open. */
        BREAKER_OPEN
    }

    /** The circuit breaker is open: n8n was not called. */
    public static final class BreakerOpen extends UpstreamException {
        private static final long serialVersionUID = 1L;

        private final long retryAfterSeconds;

        /**
         * Creates the exception.
         *
         * @param retryAfterSeconds how long the breaker stays open
         */
        public BreakerOpen(long retryAfterSeconds) {
            super(Kind.BREAKER_OPEN, OptionalInt.empty(), "circuit breaker open");
            this.retryAfterSeconds = retryAfterSeconds;
        }

        /** Seconds to wait before retrying. */
        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** The connection was refused: nothing reached n8n, so the call may be retried. */
    public static final class Unreachable extends UpstreamException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message description for logs
         */
        public Unreachable(String message) {
            super(Kind.UNREACHABLE, OptionalInt.empty(), message);
        }
    }
}
