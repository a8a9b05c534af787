package io.chatproxy.chat;

import io.chatproxy.config.SettingsReader;

/**
 * How much history one call returns.
 *
 * @param pageSize messages returned when the caller names no limit (the newest ones)
 * @param maxPageSize the largest limit a caller may ask for
 */
public record HistorySettings(int pageSize, int maxPageSize) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static HistorySettings read(SettingsReader r) {
        int max = r.integer("chat.history.max-page-size", 1, 1000);
        return new HistorySettings(r.integer("chat.history.page-size", 1, max), max);
    }
}
