package io.chatproxy.config;

/**
 * Start-up cannot go on (a dependency never became reachable). The message is the one line the operator sees: what
 * is wrong and which setting to look at, never a secret; the process exits non-zero without a stack trace.
 */
public final class StartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message one line naming the setting and what is wrong
     */
    public StartupException(String message) {
        super(message);
    }
}
