package io.chatproxy.ratelimit;

/**
 * The weighted two-window approximation of a sliding window: the previous fixed window's count, weighted by how much
 * of it still overlaps the sliding window, plus the current window's count. Two counters per key, so memory does not
 * grow with traffic, and the same arithmetic runs in Redis' Lua script.
 */
final class SlidingWindow {
    private SlidingWindow() {
    }

    /** The estimated count in the sliding window ending now. */
    static double estimate(long previous, long current, long elapsedMillis, long windowMillis) {
        double weight = (double) (windowMillis - elapsedMillis) / windowMillis;
        return previous * weight + current;
    }

    /**
     * Milliseconds until one more request fits, i.e. until the estimate drops to {@code max - 1} or below.
     */
    static long millisUntilRoom(long previous, long current, long elapsedMillis, long windowMillis, int max) {
        long budget = max - 1L;
        long leftInWindow = windowMillis - elapsedMillis;
        if (current <= budget && previous > 0) {
            // the previous window slides out during this one
            double wait = leftInWindow - (double) (budget - current) * windowMillis / previous;
            if (wait < leftInWindow) {
                return Math.max(0, (long) Math.ceil(wait));
            }
        }
        if (current <= budget) {
            return 0;
        }
        // in the next window the current count becomes the previous one and slides out
        double intoNext = windowMillis - (double) budget * windowMillis / current;
        return leftInWindow + Math.max(0, (long) Math.ceil(intoNext));
    }
}
