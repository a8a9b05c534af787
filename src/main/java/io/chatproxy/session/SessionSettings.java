package io.chatproxy.session;

import java.time.Duration;

import io.chatproxy.config.SettingsReader;

/**
 * Cookie and page URL settings.
 *
 * @param cookieName name of the session cookie
 * @param cookieMaxAge Max-Age of the cookie
 * @param forwardPageQuery whether the page URL's query is stored and sent to n8n (never its fragment)
 */
public record SessionSettings(String cookieName, Duration cookieMaxAge, boolean forwardPageQuery) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static SessionSettings read(SettingsReader r) {
        String name = r.string("session.cookie-name");
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw SettingsReader.invalid("session.cookie-name", "must be 1-64 letters, digits, '_', '.' or '-'");
        }
        return new SessionSettings(name,
                Duration.ofSeconds(r.integer("session.cookie-max-age", 60, 60 * 60 * 24 * 90)),
                r.bool("session.forward-page-query"));
    }
}
