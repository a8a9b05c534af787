package io.chatproxy.security;

import java.util.Locale;

import io.chatproxy.config.SettingsReader;

/**
 * What to do with a suspicious message.
 *
 * @param action log (only log it), flag (forward it with {@code metadata.threat}) or block (refuse it with 400)
 * @param blockScore lowest score that blocks when the action is block
 */
public record ThreatSettings(Action action, int blockScore) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static ThreatSettings read(SettingsReader r) {
        String raw = r.string("security.threat-detection.action").toUpperCase(Locale.ROOT);
        Action action;
        try {
            action = Action.valueOf(raw);
        } catch (IllegalArgumentException e) {
            throw SettingsReader.invalid("security.threat-detection.action", "must be log, flag or block");
        }
        return new ThreatSettings(action, r.integer("security.threat-detection.block-score", 1, 100));
    }

    /** Possible actions. */
    public enum Action {
        /** Log and count only. */
        LOG,
        /** Forward with metadata.threat so the workflow decides. */
        FLAG,
        /** Refuse with 400. */
        BLOCK
    }
}
