package io.chatproxy.config;

/**
 * A setting is missing or invalid. The message is one line that names the variable and never contains a secret.
 */
public final class ConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message one line naming the variable and what is wrong with it
     */
    public ConfigurationException(String message) {
        super(message);
    }
}
