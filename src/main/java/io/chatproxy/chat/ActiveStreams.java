package io.chatproxy.chat;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The streams open right now, for the gauge and for ending them at shutdown.
 */
public final class ActiveStreams {
    private final Set<RelayedAnswer> open = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> background = new ConcurrentHashMap<>();

    void add(RelayedAnswer answer) {
        open.add(answer);
    }

    void remove(RelayedAnswer answer) {
        open.remove(answer);
    }

    /**
     * Lets one more answer of a session continue without its client, within the cap.
     *
     * @param sessionId session
     * @param cap most background answers per session
     * @return whether it may continue
     */
    boolean tryBackground(String sessionId, int cap) {
        boolean[] allowed = {false};
        background.compute(sessionId, (id, n) -> {
            int count = n == null ? 0 : n;
            if (count < cap) {
                allowed[0] = true;
                return count + 1;
            }
            return n;
        });
        return allowed[0];
    }

    void releaseBackground(String sessionId) {
        background.computeIfPresent(sessionId, (id, n) -> n <= 1 ? null : n - 1);
    }

    void forEach(Consumer<RelayedAnswer> action) {
        open.forEach(action);
    }

    /** Number of open streams. */
    public int count() {
        return open.size();
    }

    /** Ends every open stream with {@code server_shutdown}; each stores its partial answer. */
    public void shutdownAll() {
        open.forEach(RelayedAnswer::shutdown);
    }
}
