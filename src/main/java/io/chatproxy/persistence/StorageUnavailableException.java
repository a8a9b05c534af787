package io.chatproxy.persistence;

/**
 * The database could not be reached or did not answer in time. Callers answer 503 and record nothing half-way.
 */
public final class StorageUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param cause what failed
     */
    public StorageUnavailableException(Throwable cause) {
        super("database unavailable", cause);
    }
}
