package io.chatproxy.security;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses signing secrets that are long enough but guessable: the placeholders of example files (such as
 * {@code k8s/secret.example.yaml}), a short unit repeated, a tiny alphabet, or too little entropy by the secret's own
 * character frequencies. A key from {@code openssl rand -base64 48} passes by a wide margin.
 */
final class KeyStrength {
    private static final List<String> PLACEHOLDERS = List.of("replace", "changeme", "change-me", "change_me",
            "your-secret", "your_secret", "yoursecret", "placeholder", "example", "secret-key-here", "xxxxxxxx");
    private static final int MIN_DISTINCT = 8;
    private static final double MIN_BITS = 96;

    private KeyStrength() {
    }

    /**
     * Why a secret is too weak, if it is.
     *
     * @param secret the configured secret
     * @return the reason (never quoting the secret), or empty when it is acceptable
     */
    static Optional<String> weakness(String secret) {
        String lower = secret.toLowerCase(Locale.ROOT);
        if (PLACEHOLDERS.stream().anyMatch(lower::contains)) {
            return Optional.of("is a placeholder");
        }
        if (repeatsAShorterUnit(secret)) {
            return Optional.of("repeats a short pattern");
        }
        Map<Integer, Integer> counts = new HashMap<>();
        secret.codePoints().forEach(cp -> counts.merge(cp, 1, Integer::sum));
        if (counts.size() < MIN_DISTINCT) {
            return Optional.of("uses fewer than " + MIN_DISTINCT + " different characters");
        }
        int length = secret.codePointCount(0, secret.length());
        double bits = 0;
        for (int count : counts.values()) {
            double p = (double) count / length;
            bits -= count * Math.log(p) / Math.log(2);
        }
        if (bits < MIN_BITS) {
            return Optional.of("has too little entropy (about " + (int) bits + " bits, at least " + (int) MIN_BITS
                    + " needed)");
        }
        return Optional.empty();
    }

    private static boolean repeatsAShorterUnit(String secret) {
        int n = secret.length();
        for (int period = 1; period <= n / 2; period++) {
            if (secret.regionMatches(0, secret, period, n - period)) {
                return true;
            }
        }
        return false;
    }
}
