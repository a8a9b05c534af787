package io.chatproxy.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * An HMAC secret and its key id. The id is derived from the secret (a hash prefix), so rotating keys needs no extra
 * setting and the id reveals nothing useful. The secret is never logged.
 */
public final class SigningKey {
    /** Shortest secret accepted for HMAC-SHA-256 (RFC 7518 section 3.2). */
    public static final int MIN_BYTES = 32;

    private final String kid;
    private final byte[] secret;

    private SigningKey(String kid, byte[] secret) {
        this.kid = kid;
        this.secret = secret;
    }

    /** Key id put in the JWT header. */
    public String kid() {
        return kid;
    }

    /** A copy of the secret bytes. */
    public byte[] secret() {
        return secret.clone();
    }

    /**
     * A key from a configured secret.
     *
     * @param secret the secret as configured
     * @return the key
     */
    public static SigningKey of(String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        return new SigningKey(kidOf(bytes), bytes);
    }

    /** A random 256-bit key, for development. */
    public static SigningKey random() {
        byte[] bytes = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(bytes);
        return new SigningKey(kidOf(bytes), bytes);
    }

    @Override
    public String toString() {
        return "SigningKey[kid=" + kid + "]";
    }

    private static String kidOf(byte[] secret) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(secret);
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
