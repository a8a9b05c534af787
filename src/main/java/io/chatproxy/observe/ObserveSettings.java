package io.chatproxy.observe;

import io.chatproxy.config.SettingsReader;

/**
 * What the health endpoints show.
 *
 * @param healthDetails whether {@code /health} and {@code /observe/health} show each dependency and the settings
 *         (the webhook, the allowed origins, disk and heap figures); off, they say the status only
 */
public record ObserveSettings(boolean healthDetails) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static ObserveSettings read(SettingsReader r) {
        return new ObserveSettings(r.bool("observe.health-details"));
    }
}
