package io.chatproxy.security;

/**
 * A token failed verification. The message says why, for logs; visitors only see a generic 401.
 */
public final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param reason why the token was refused
     */
    public InvalidTokenException(String reason) {
        super(reason, null, false, false);
    }
}
