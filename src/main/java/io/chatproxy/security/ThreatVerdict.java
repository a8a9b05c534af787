package io.chatproxy.security;

import java.util.List;

/**
 * What threat detection found in a message; passed to n8n as {@code metadata.threat} ({@code score}, {@code rules}).
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
}
