package io.chatproxy.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds JWTs by hand, including the malformed and malicious ones a verifier must refuse.
 */
public final class TestTokens {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private TestTokens() {
    }

    /** The header of a compact token. */
    public static ObjectNode header(String token) {
        return decode(token.split("\\.")[0]);
    }

    /** The payload of a compact token. */
    public static ObjectNode payload(String token) {
        return decode(token.split("\\.")[1]);
    }

    /**
     * Signs a header and payload with an HMAC.
     *
     * @param header header JSON
     * @param payload payload JSON
     * @param secret key
     * @param macAlgorithm HmacSHA256, HmacSHA512, ...
     * @return the compact token
     */
    public static String sign(ObjectNode header, ObjectNode payload, String secret, String macAlgorithm) {
        String signingInput = encode(header) + "." + encode(payload);
        try {
            Mac mac = Mac.getInstance(macAlgorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), macAlgorithm));
            return signingInput + "."
                    + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token with the given parts and no signature (for {@code alg: none}). */
    public static String unsigned(ObjectNode header, ObjectNode payload) {
        return encode(header) + "." + encode(payload) + ".";
    }

    /** Base64url of JSON. */
    public static String encode(ObjectNode node) {
        try {
            return B64.encodeToString(JSON.writeValueAsBytes(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode decode(String part) {
        try {
            return (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(part));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
