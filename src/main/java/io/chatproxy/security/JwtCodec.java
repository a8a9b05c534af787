package io.chatproxy.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.common.Errors;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.JwtValidator;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.Jwk;
import io.helidon.security.jwt.jwk.JwkKeys;
import io.helidon.security.jwt.jwk.JwkOctet;

import jakarta.json.Json;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Signs and verifies one kind of token (RFC 8725): a pinned HMAC algorithm, a {@code kid} naming one of our keys,
 * the signature checked before any claim is read, then mandatory {@code exp}/{@code nbf}/{@code iat} with a small
 * skew, issuer, audience and {@code typ}.
 */
public final class JwtCodec {
    /** The reason given for a token past its {@code exp}. */
    public static final String EXPIRED = "expired";
    private static final Duration SKEW = Duration.ofSeconds(30);
    /** How many verified tokens are remembered; each browser presents the same one until it is renewed. */
    private static final int REMEMBERED = 4096;

    private final TokenKind kind;
    private final String algorithm;
    private final String issuer;
    private final SigningKey current;
    private final JwkKeys verificationKeys;
    private final Jwk signingJwk;
    private final Clock clock;
    private final Map<String, VerifiedToken> verified = new ConcurrentHashMap<>();

    /**
     * Creates a codec.
     *
     * @param kind which token this codec handles
     * @param algorithm HS256, HS384 or HS512; the only one accepted
     * @param issuer {@code iss} written and required
     * @param current key that signs
     * @param previous keys that still verify (rotation)
     * @param clock time source
     */
    public JwtCodec(TokenKind kind, String algorithm, String issuer, SigningKey current, List<SigningKey> previous,
            Clock clock) {
        this.kind = kind;
        this.algorithm = algorithm;
        this.issuer = issuer;
        this.current = current;
        this.clock = clock;
        this.signingJwk = jwk(current, algorithm);
        JwkKeys.Builder keys = JwkKeys.builder().addKey(signingJwk);
        previous.forEach(k -> keys.addKey(jwk(k, algorithm)));
        this.verificationKeys = keys.build();
    }

    /**
     * Signs a token.
     *
     * @param subject {@code sub}
     * @param ttl lifetime from now
     * @param claims extra string claims
     * @param jwtId {@code jti}, if any
     * @return the compact token
     */
    public String sign(String subject, Duration ttl, Map<String, String> claims, Optional<String> jwtId) {
        Instant now = clock.instant();
        Jwt.Builder jwt = Jwt.builder()
                .keyId(current.kid())
                .algorithm(algorithm)
                .type("JWT")
                .issuer(issuer)
                .addAudience(kind.audience())
                .subject(subject)
                .issueTime(now)
                .notBefore(now)
                .expirationTime(now.plus(ttl))
                .addPayloadClaim("typ", kind.typ());
        jwtId.ifPresent(jwt::jwtId);
        claims.forEach(jwt::addPayloadClaim);
        return SignedJwt.sign(jwt.build(), signingJwk).tokenContent();
    }

    /**
     * Verifies a token and returns its claims. A token verified before is only checked against the clock again:
     * nothing else in it can change, and the keys are fixed for the codec's life.
     *
     * @param token compact token
     * @return verified claims
     * @throws InvalidTokenException with the reason when anything is wrong
     */
    public VerifiedToken verify(String token) throws InvalidTokenException {
        VerifiedToken known = verified.get(token);
        if (known != null) {
            Instant now = clock.instant();
            if (!now.isAfter(known.expiresAt().plus(SKEW)) && !now.isBefore(known.issuedAt().minus(SKEW))) {
                return known;
            }
            verified.remove(token);
        }
        VerifiedToken checked = check(token);
        if (verified.size() >= REMEMBERED) {
            verified.clear(); // crude but bounded: the tokens in use are verified again once
        }
        verified.put(token, checked);
        return checked;
    }

    private VerifiedToken check(String token) throws InvalidTokenException {
        SignedJwt signed;
        try {
            signed = SignedJwt.parseToken(token);
        } catch (RuntimeException e) {
            // JwtException, or a JSON/Base64 error from a payload that is not what it claims to be
            throw new InvalidTokenException("malformed token");
        }
        Jwt jwt = signed.getJwt();
        String alg = jwt.headers().algorithm().orElse("");
        if (!algorithm.equals(alg)) {
            throw new InvalidTokenException("algorithm '" + alg + "' not allowed");
        }
        String kid = jwt.headers().keyId().orElse("");
        if (verificationKeys.forKeyId(kid).isEmpty()) {
            throw new InvalidTokenException("unknown key id");
        }
        Errors signature = signed.verifySignature(verificationKeys);
        if (!signature.isValid()) {
            throw new InvalidTokenException("bad signature");
        }
        Instant now = clock.instant();
        if (jwt.expirationTime().map(exp -> now.isAfter(exp.plus(SKEW))).orElse(false)) {
            throw new InvalidTokenException(EXPIRED);
        }
        Errors claims = JwtValidator.builder()
                .addExpirationValidator(b -> b.now(now).allowedTimeSkew(SKEW).mandatory(true))
                .addNotBeforeValidator(b -> b.now(now).allowedTimeSkew(SKEW).mandatory(true))
                .addIssueTimeValidator(b -> b.now(now).allowedTimeSkew(SKEW).mandatory(true))
                .addIssuerValidator(issuer, true)
                .addAudienceValidator(b -> b.addExpectedAudience(kind.audience()).mandatory(true))
                .build()
                .validate(jwt);
        if (!claims.isValid()) {
            throw new InvalidTokenException("claims rejected: " + claims.getFirst().getMessage());
        }
        if (!kind.typ().equals(stringClaim(jwt, "typ").orElse(""))) {
            throw new InvalidTokenException("wrong token type");
        }
        String subject = jwt.subject().filter(s -> !s.isBlank())
                .orElseThrow(() -> new InvalidTokenException("no subject"));
        return new VerifiedToken(subject, jwt.issueTime().orElseThrow(), jwt.expirationTime().orElseThrow(),
                claimsOf(jwt));
    }

    private static Map<String, String> claimsOf(Jwt jwt) {
        Map<String, String> claims = new HashMap<>();
        jwt.payloadClaims().forEach((name, value) -> {
            if (value instanceof JsonString s) {
                claims.put(name, s.getString());
            }
        });
        return Map.copyOf(claims);
    }

    private static Optional<String> stringClaim(Jwt jwt, String name) {
        return jwt.payloadClaim(name).filter(v -> v.getValueType() == JsonValue.ValueType.STRING)
                .map(v -> ((JsonString) v).getString());
    }

    private static Jwk jwk(SigningKey key, String algorithm) {
        return JwkOctet.create(Json.createObjectBuilder()
                .add("kty", "oct")
                .add("kid", key.kid())
                .add("alg", algorithm)
                .add("use", "sig")
                .add("k", Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(key.secret()))
                .build());
    }
}
