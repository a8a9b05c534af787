package io.chatproxy.security;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The claims of a token whose signature, times, issuer, audience and type were checked.
 *
 * @param subject {@code sub}
 * @param issuedAt {@code iat}
 * @param expiresAt {@code exp}
 * @param claims all string claims
 */
public record VerifiedToken(String subject, Instant issuedAt, Instant expiresAt, Map<String, String> claims) {
    /** A string claim. */
    public Optional<String> claim(String name) {
        return Optional.ofNullable(claims.get(name));
    }
}
