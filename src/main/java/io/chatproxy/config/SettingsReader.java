package io.chatproxy.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * Typed, validated access to settings. Every failure is a {@link ConfigurationException} whose message names the
 * environment variable (or config key) and never echoes a secret.
 */
public final class SettingsReader {
    private final Config root;

    /**
     * Reads from a configuration tree.
     *
     * @param root the root of the layered configuration
     */
    public SettingsReader(Config root) {
        this.root = root;
    }

    /** The raw Helidon configuration, for components configured the Helidon way. */
    public Config config() {
        return root;
    }

    /** A string, blank treated as absent. */
    public Optional<String> optionalString(String key) {
        return root.get(key).asString().asOptional().map(String::trim).filter(s -> !s.isEmpty());
    }

    /** A required string. */
    public String string(String key) {
        return optionalString(key).orElseThrow(() -> invalid(key, "is required"));
    }

    /** A whole number within bounds. */
    public int integer(String key, int min, int max) {
        String raw = string(key);
        try {
            int value = Integer.parseInt(raw);
            if (value < min || value > max) {
                throw invalid(key, "must be between " + min + " and " + max + ", was " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw invalid(key, "must be a whole number, was '" + shorten(raw) + "'");
        }
    }

    /** {@code true}/{@code false} (also 1/0, yes/no, on/off). */
    public boolean bool(String key) {
        String raw = string(key).toLowerCase(Locale.ROOT);
        return switch (raw) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw invalid(key, "must be true or false, was '" + shorten(raw) + "'");
        };
    }

    /** A positive duration, ISO-8601 ({@code PT15S}) or a number of seconds. */
    public Duration duration(String key) {
        String raw = string(key);
        Duration value;
        try {
            value = raw.chars().allMatch(Character::isDigit)
                    ? Duration.ofSeconds(Long.parseLong(raw))
                    : Duration.parse(raw.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException | NumberFormatException e) {
            throw invalid(key, "must be a duration such as PT15S or a number of seconds, was '" + shorten(raw) + "'");
        }
        if (value.isNegative() || value.isZero()) {
            throw invalid(key, "must be positive, was " + raw);
        }
        return value;
    }

    /** An absolute http(s) URL, if set. */
    public Optional<URI> httpUrl(String key) {
        return optionalString(key).map(raw -> {
            try {
                URI uri = new URI(raw);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                    throw invalid(key, "must be an absolute http:// or https:// URL");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw invalid(key, "is not a valid URL");
            }
        });
    }

    /** A comma-separated list, items trimmed, empty items dropped. */
    public List<String> list(String key) {
        return optionalString(key)
                .map(raw -> Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of());
    }

    /**
     * An error for a key.
     *
     * @param key config key
     * @param problem what is wrong, without the secret value
     * @return the exception to throw
     */
    public static ConfigurationException invalid(String key, String problem) {
        return new ConfigurationException(SettingNames.displayName(key) + " " + problem);
    }

    /**
     * How an operator sets a key, for messages: {@code VARIABLE (key)}.
     *
     * @param key config key
     * @return the variable and the key
     */
    public static String settingName(String key) {
        return SettingNames.variable(key) + " (" + key + ")";
    }

    private static String shorten(String raw) {
        return raw.length() <= 40 ? raw : raw.substring(0, 40) + "...";
    }
}
