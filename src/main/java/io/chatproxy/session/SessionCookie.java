package io.chatproxy.session;

import java.time.Duration;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The session cookie. The widget runs inside the customer's page, so the cookie is third-party there: only
 * {@code SameSite=None; Secure; Partitioned} (CHIPS) is accepted by current browsers. Browsers treat
 * {@code http://localhost} as secure, so the same flags work in local development.
 */
public final class SessionCookie {
    private final SessionSettings settings;

    /**
     * Creates the cookie codec.
     *
     * @param settings cookie settings
     */
    public SessionCookie(SessionSettings settings) {
        this.settings = settings;
    }

    /** The token from the request's cookie, if any. */
    public Optional<String> read(ServerRequest req) {
        return req.headers().cookies().first(settings.cookieName()).asOptional().filter(v -> !v.isBlank());
    }

    /** Sets the cookie to a token. */
    public void write(ServerResponse res, String token) {
        res.headers().add(HeaderNames.SET_COOKIE, text(token, settings.cookieMaxAge()));
    }

    /** Removes the cookie. */
    public void clear(ServerResponse res) {
        res.headers().add(HeaderNames.SET_COOKIE, text("", Duration.ZERO));
    }

    private String text(String value, Duration maxAge) {
        // Helidon's SetCookie has no Partitioned attribute, so the header is written here.
        return settings.cookieName() + "=" + value + "; Path=/; Max-Age=" + maxAge.toSeconds()
                + "; HttpOnly; Secure; SameSite=None; Partitioned";
    }
}
