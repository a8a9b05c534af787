package io.chatproxy;

import java.time.Duration;

import io.chatproxy.config.SettingsReader;

/**
 * The warm-up before the server listens (section {@code warm-up}).
 *
 * @param conversations visitor conversations run against a throwaway copy of the application; 0 turns it off
 * @param maxTime the warm-up stops after this long even when fewer conversations were run
 */
public record WarmUpSettings(int conversations, Duration maxTime) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static WarmUpSettings read(SettingsReader r) {
        return new WarmUpSettings(r.integer("warm-up.conversations", 0, 1_000_000), r.duration("warm-up.max-time"));
    }

    /** Whether a warm-up runs at all. */
    public boolean enabled() {
        return conversations > 0;
    }
}
