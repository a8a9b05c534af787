package io.chatproxy.chat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streams open right now, for the gauge and for ending them at shutdown.
 */
public final class ActiveStreams {
    private final Set<RelayedAnswer> open = ConcurrentHashMap.newKeySet();

    void add(RelayedAnswer answer) {
        open.add(answer);
    }

    void remove(RelayedAnswer answer) {
        open.remove(answer);
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
