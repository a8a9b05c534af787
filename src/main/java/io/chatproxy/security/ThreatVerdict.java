package io.chatproxy.security;

import java.util.List;
import java.util.Map;

/**
 * What threat detection found in a message.
 *
 * @param score sum of the weights of the rules that matched
 * @param rules names of the rules that matched
 */
public record ThreatVerdict(int score, List<String> rules) {
    /** Nothing found. */
    public static final ThreatVerdict NONE = new ThreatVerdict(0, List.of());

    /** Whether any rule matched. */
    public boolean suspicious() {
        return !rules.isEmpty();
    }

    /** The form passed to n8n as {@code metadata.threat}. */
    public Map<String, Object> asMetadata() {
        return Map.of("score", score, "rules", rules);
    }
}
