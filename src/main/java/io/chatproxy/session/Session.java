package io.chatproxy.session;

import java.time.Instant;
import java.util.Optional;

/**
 * A visitor's session as stored.
 *
 * @param id session id (144 random bits)
 * @param originDomain host of the site that created it
 * @param pageUrl page it was created on
 * @param fingerprint browser fingerprint at creation
 * @param createdAt creation time
 * @param expiresAt end of validity
 * @param revokedAt when it was revoked, if it was
 */
public record Session(String id,
        String originDomain,
        String pageUrl,
        String fingerprint,
        Instant createdAt,
        Instant expiresAt,
        Optional<Instant> revokedAt) {
    /** Whether the session may still be used at {@code now}. */
    public boolean activeAt(Instant now) {
        return revokedAt.isEmpty() && now.isBefore(expiresAt);
    }
}
