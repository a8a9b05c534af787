package io.chatproxy.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;

/**
 * A hash of stable browser traits (User-Agent, Accept-Language and the low-entropy client hints). It binds a session
 * cookie to the browser that created it: a cookie replayed from another browser will usually not match. It is a
 * signal against cookie theft, not authentication: traits can be copied, and they change on browser updates.
 */
public final class BrowserFingerprint {
    private static final List<HeaderName> TRAITS = List.of(
            HeaderNames.USER_AGENT,
            HeaderNames.ACCEPT_LANGUAGE,
            HeaderNames.create("Sec-CH-UA"),
            HeaderNames.create("Sec-CH-UA-Mobile"),
            HeaderNames.create("Sec-CH-UA-Platform"));

    private BrowserFingerprint() {
    }

    /**
     * The fingerprint of a request.
     *
     * @param headers request headers
     * @return a 22-character base64url hash
     */
    public static String of(ServerRequestHeaders headers) {
        StringBuilder traits = new StringBuilder();
        for (HeaderName name : TRAITS) {
            traits.append(name.lowerCase()).append('=').append(headers.first(name).orElse("")).append('\n');
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(traits.toString().getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
