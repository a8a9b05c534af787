package io.chatproxy.redis;

/**
 * A result asked for and not yet awaited: whoever starts several Redis commands before awaiting any pays one round
 * trip for all of them. Implementations that need no Redis hold a result decided at once.
 *
 * @param <T> result type
 */
@FunctionalInterface
public interface Pending<T> {
    /**
     * Waits for the result.
     *
     * @return the result
     */
    T await();

    /**
     * A result already known.
     *
     * @param value the result
     * @param <T> result type
     * @return it, as a pending result
     */
    static <T> Pending<T> of(T value) {
        return () -> value;
    }
}
