package io.chatproxy.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.chatproxy.config.SettingsReader;

/**
 * Keys, algorithm, lifetimes and the origin rules, read once at start-up.
 *
 * @param sessionKey key that signs session cookies
 * @param previousSessionKeys keys that still verify session cookies during a rotation
 * @param n8nKey key that signs tokens sent to n8n
 * @param algorithm pinned HMAC algorithm
 * @param issuer {@code iss} of both tokens
 * @param sessionTtl lifetime of a session token
 * @param allowedOrigins origins allowed to use the API
 * @param allowedHosts Host header values accepted (empty: any)
 * @param corsAllowCredentials whether CORS answers allow credentials
 * @param absoluteSessionLifetime a session is never renewed past this age
 * @param trustedProxies CIDRs whose X-Forwarded-For is believed
 * @param maxBodyBytes largest API request body
 * @param generatedKeys whether keys were generated because none were configured (development only)
 */
public record SecuritySettings(SigningKey sessionKey,
        List<SigningKey> previousSessionKeys,
        SigningKey n8nKey,
        String algorithm,
        String issuer,
        Duration sessionTtl,
        OriginPolicy allowedOrigins,
        Set<String> allowedHosts,
        boolean corsAllowCredentials,
        Duration absoluteSessionLifetime,
        List<String> trustedProxies,
        int maxBodyBytes,
        boolean generatedKeys) {
    private static final Set<String> ALGORITHMS = Set.of("HS256", "HS384", "HS512");

    /**
     * Reads and validates the settings.
     *
     * @param r settings reader
     * @param debug whether missing keys may be generated
     * @return settings
     */
    public static SecuritySettings read(SettingsReader r, boolean debug) {
        String algorithm = r.string("security.jwt-algorithm").toUpperCase(Locale.ROOT);
        if (!ALGORITHMS.contains(algorithm)) {
            throw SettingsReader.invalid("security.jwt-algorithm", "must be one of HS256, HS384, HS512");
        }
        boolean generated = r.optionalString("security.jwt-secret-key").isEmpty()
                || r.optionalString("security.session-secret-key").isEmpty();
        SigningKey session = key(r, "security.jwt-secret-key", debug);
        SigningKey n8n = key(r, "security.session-secret-key", debug);
        if (Arrays.equals(session.secret(), n8n.secret())) {
            throw SettingsReader.invalid("security.session-secret-key",
                    "must differ from JWT_SECRET_KEY (each key signs one kind of token)");
        }
        List<SigningKey> previous = r.list("security.jwt-previous-secret-keys").stream()
                .map(secret -> checkedKey("security.jwt-previous-secret-keys", secret))
                .toList();
        OriginPolicy origins;
        try {
            origins = new OriginPolicy(r.list("security.allowed-origins"));
        } catch (IllegalArgumentException e) {
            throw SettingsReader.invalid("security.allowed-origins",
                    "must list origins like https://example.com, got '" + e.getMessage() + "'");
        }
        int hours = r.integer("security.jwt-expiration-hours", 1, 24 * 30);
        return new SecuritySettings(session, previous, n8n, algorithm, r.string("security.issuer"),
                Duration.ofHours(hours), origins,
                Set.copyOf(r.list("security.allowed-hosts").stream()
                        .map(h -> h.toLowerCase(Locale.ROOT)).toList()),
                r.bool("security.cors-allow-credentials"),
                r.duration("security.absolute-session-lifetime"),
                r.list("security.trusted-proxies"),
                r.integer("security.max-body-bytes", 1024, 1024 * 1024),
                generated && debug);
    }

    private static SigningKey key(SettingsReader r, String key, boolean debug) {
        return r.optionalString(key)
                .map(secret -> checkedKey(key, secret))
                .orElseGet(() -> {
                    if (!debug) {
                        throw SettingsReader.invalid(key, "is required: at least " + SigningKey.MIN_BYTES
                                + " bytes (or DEBUG=true for random development keys)");
                    }
                    return SigningKey.random();
                });
    }

    private static SigningKey checkedKey(String key, String secret) {
        if (secret.getBytes(StandardCharsets.UTF_8).length < SigningKey.MIN_BYTES) {
            throw SettingsReader.invalid(key, "is too short: use at least " + SigningKey.MIN_BYTES + " bytes");
        }
        KeyStrength.weakness(secret).ifPresent(why -> {
            throw SettingsReader.invalid(key, why + ": generate a random one, e.g. openssl rand -base64 48");
        });
        return SigningKey.of(secret);
    }
}
