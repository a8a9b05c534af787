package io.chatproxy.session;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions kept in this process's memory, for a database only this process can reach (embedded H2): every revocation
 * and renewal passes through here, so evicting here is evicting everywhere, and a chat message needs no database read
 * to authenticate. Revocation wins as with Redis: a lookup's put is undone when any eviction came after its cache
 * read. Bounded: at {@value #CAPACITY} sessions it forgets them all at once (those in use are read again once).
 */
public final class LocalSessionCache implements SessionCache {
    static final int CAPACITY = 10_000;

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong evictions = new AtomicLong();
    private final Clock clock;

    /**
     * Creates an empty cache.
     *
     * @param clock time source: an entry is served only while its session is active
     */
    public LocalSessionCache(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Lookup get(String id) {
        // the version is read before the entry: an eviction after this read refuses the put of what the caller reads
        String version = Long.toString(evictions.get());
        Session cached = sessions.get(id);
        if (cached != null && !cached.activeAt(clock.instant())) {
            sessions.remove(id, cached);
            cached = null;
        }
        return new Lookup(Optional.ofNullable(cached), version);
    }

    @Override
    public void put(Session session, String version) {
        if (!store(session)) {
            return;
        }
        // checked after the entry is in: an eviction either came before this check (the entry is taken out here)
        // or removes the entry itself
        if (!version.equals(Long.toString(evictions.get()))) {
            sessions.remove(session.id(), session);
        }
    }

    @Override
    public void putNew(Session session) {
        store(session); // nothing can have evicted a session that did not exist
    }

    @Override
    public void evict(String id) {
        evictions.incrementAndGet();
        sessions.remove(id);
    }

    private boolean store(Session session) {
        if (!session.activeAt(clock.instant())) {
            return false;
        }
        if (sessions.size() >= CAPACITY) {
            sessions.clear();
        }
        sessions.put(session.id(), session);
        return true;
    }
}
