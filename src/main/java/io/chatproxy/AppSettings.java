package io.chatproxy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;

import io.helidon.config.Config;

import io.chatproxy.chat.HistorySettings;
import io.chatproxy.chat.ChatSettings;
import io.chatproxy.config.SettingsReader;
import io.chatproxy.observe.ObserveSettings;
import io.chatproxy.persistence.DatabaseSettings;
import io.chatproxy.ratelimit.RateLimitSettings;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.resilience.ResilienceSettings;
import io.chatproxy.security.SecuritySettings;
import io.chatproxy.security.ThreatSettings;
import io.chatproxy.session.SessionSettings;
import io.chatproxy.upstream.N8nSettings;

/**
 * Every setting, parsed and validated once at start-up. A bad value stops start-up with one line naming the
 * variable (see {@link io.chatproxy.config.ConfigurationException}).
 *
 * @param config the raw configuration (its {@code server} node configures Helidon's web server)
 * @param name application name
 * @param debug development mode
 * @param logLevel root log level
 * @param jsonLogs whether log lines are JSON objects
 * @param logMessageContent whether visitor messages are logged (only ever true with debug)
 * @param instanceId sent as {@code X-Served-By} when not empty
 * @param host listen address
 * @param port listen port
 * @param database database
 * @param redis Redis, when configured, and the rate limiter's behaviour without it
 * @param security keys and origin rules
 * @param session cookie settings
 * @param n8n upstream settings
 * @param rateLimits limits
 * @param chat chat messages and streams
 * @param threats threat-detection action
 * @param resilience admission, breaker and drain
 * @param observe what the health endpoints show
 * @param history history page sizes
 * @param warmUp the warm-up before the server listens
 */
public record AppSettings(Config config,
        String name,
        boolean debug,
        String logLevel,
        boolean jsonLogs,
        boolean logMessageContent,
        String instanceId,
        String host,
        int port,
        DatabaseSettings database,
        RedisSettings redis,
        SecuritySettings security,
        SessionSettings session,
        N8nSettings n8n,
        RateLimitSettings rateLimits,
        ChatSettings chat,
        ThreatSettings threats,
        ResilienceSettings resilience,
        ObserveSettings observe,
        HistorySettings history,
        WarmUpSettings warmUp) {
    /**
     * Reads all settings.
     *
     * @param config layered configuration
     * @return validated settings
     */
    public static AppSettings read(Config config) {
        SettingsReader r = new SettingsReader(config);
        boolean debug = r.bool("app.debug");
        String level = r.string("app.log-level").toUpperCase(Locale.ROOT);
        try {
            Level.parse(level.equals("DEBUG") ? "FINE" : level);
        } catch (IllegalArgumentException e) {
            throw SettingsReader.invalid("app.log-level", "must be SEVERE, WARNING, INFO, FINE or FINEST");
        }
        r.integer("server.max-payload-size", 1024, 100 * 1024 * 1024);
        return new AppSettings(config,
                r.string("app.name"),
                debug,
                level,
                logFormat(r),
                debug && r.bool("app.log-message-content"),
                r.optionalString("app.instance-id").orElse(""),
                r.string("server.host"),
                r.integer("server.port", 0, 65535),
                DatabaseSettings.read(r),
                RedisSettings.read(r),
                SecuritySettings.read(r, debug),
                SessionSettings.read(r),
                N8nSettings.read(r, debug),
                RateLimitSettings.read(r),
                ChatSettings.read(r),
                ThreatSettings.read(r),
                ResilienceSettings.read(r),
                ObserveSettings.read(r),
                HistorySettings.read(r),
                WarmUpSettings.read(r));
    }

    private static boolean logFormat(SettingsReader r) {
        return switch (r.string("app.log-format").toLowerCase(Locale.ROOT)) {
            case "text" -> false;
            case "json" -> true;
            default -> throw SettingsReader.invalid("app.log-format", "must be text or json");
        };
    }

    /** Settings that may be shown in /health: nothing secret, no connection strings. */
    public Map<String, Object> publicView() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("app_name", name);
        view.put("debug", debug);
        view.put("database", database.url().postgres() ? "postgresql" : "h2");
        view.put("rate_limiter", redis.url().isPresent() ? "redis" : "in-process");
        view.put("rate_limit_on_redis_failure", redis.onFailure().name().toLowerCase(Locale.ROOT));
        view.put("allowed_origins", security.allowedOrigins().origins());
        view.put("rate_limit_per_minute", rateLimits.sessionPerMinute());
        view.put("rate_limit_per_hour", rateLimits.sessionPerHour());
        view.put("max_message_length", chat.maxMessageLength());
        view.put("session_hours", security.sessionTtl().toHours());
        return view;
    }
}
