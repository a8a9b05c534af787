package io.chatproxy.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The environment variable names operators already use, mapped to their keys in {@code app.yaml}.
 */
final class SettingNames {
    static final Map<String, String> ENV_TO_KEY = envToKey();

    private SettingNames() {
    }

    /** The environment variable for a config key, or the key itself when it has no alias. */
    static String displayName(String key) {
        return variableFor(key).map(env -> env + " (" + key + ")").orElse(key);
    }

    /** The environment variable that sets a key: its short name, else the generic {@code CHAT_PROXY_} form. */
    static String variable(String key) {
        return variableFor(key).orElseGet(() -> "CHAT_PROXY_"
                + key.toUpperCase(Locale.ROOT).replace(".", "__").replace("-", "_"));
    }

    static Optional<String> variableFor(String key) {
        return ENV_TO_KEY.entrySet().stream().filter(e -> e.getValue().equals(key)).map(Map.Entry::getKey).findFirst();
    }

    private static Map<String, String> envToKey() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("APP_NAME", "app.name");
        m.put("DEBUG", "app.debug");
        m.put("LOG_LEVEL", "app.log-level");
        m.put("LOG_FORMAT", "app.log-format");
        m.put("SERVER_HOST", "server.host");
        m.put("SERVER_PORT", "server.port");
        m.put("DATABASE_URL", "database.url");
        m.put("REDIS_URL", "redis.url");
        m.put("JWT_SECRET_KEY", "security.jwt-secret-key");
        m.put("JWT_PREVIOUS_SECRET_KEYS", "security.jwt-previous-secret-keys");
        m.put("SESSION_SECRET_KEY", "security.session-secret-key");
        m.put("JWT_ALGORITHM", "security.jwt-algorithm");
        m.put("JWT_EXPIRATION_HOURS", "security.jwt-expiration-hours");
        m.put("ALLOWED_ORIGINS", "security.allowed-origins");
        m.put("ALLOWED_HOSTS", "security.allowed-hosts");
        m.put("CORS_ALLOW_CREDENTIALS", "security.cors-allow-credentials");
        m.put("TRUSTED_PROXIES", "security.trusted-proxies");
        m.put("N8N_WEBHOOK_URL", "n8n.webhook-url");
        m.put("N8N_API_KEY", "n8n.api-key");
        m.put("N8N_AUTH_HEADER_NAME", "n8n.header-auth.name");
        m.put("N8N_AUTH_HEADER_VALUE", "n8n.header-auth.value");
        m.put("RATE_LIMIT_PER_MINUTE", "rate-limit.per-minute");
        m.put("RATE_LIMIT_PER_HOUR", "rate-limit.per-hour");
        m.put("SESSION_COOKIE_NAME", "session.cookie-name");
        m.put("SESSION_COOKIE_MAX_AGE", "session.cookie-max-age");
        m.put("HEALTH_DETAILS", "observe.health-details");
        return Map.copyOf(m);
    }
}
