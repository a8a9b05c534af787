package io.chatproxy.session;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Opens new sessions: a 144-bit random id, the site's domain and page, the browser's fingerprint, an expiry.
 */
public final class SessionOpener {
    private final SessionStore store;
    private final Duration ttl;
    private final Clock clock;
    private final SessionEvents events;
    private final SecureRandom random = new SecureRandom();

    /**
     * Creates the opener.
     *
     * @param store session store
     * @param ttl session lifetime
     * @param clock time source
     * @param events counters
     */
    public SessionOpener(SessionStore store, Duration ttl, Clock clock, SessionEvents events) {
        this.store = store;
        this.ttl = ttl;
        this.clock = clock;
        this.events = events;
    }

    /**
     * Opens and stores a session.
     *
     * @param domain the site's host
     * @param pageUrl the page, or ""
     * @param fingerprint the browser's fingerprint
     * @return the session
     */
    public Session open(String domain, String pageUrl, String fingerprint) {
        Instant now = clock.instant();
        Session session = new Session(newId(), domain, pageUrl, fingerprint, now, now.plus(ttl), Optional.empty());
        store.insert(session);
        events.created();
        return session;
    }

    private String newId() {
        byte[] bytes = new byte[18];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
