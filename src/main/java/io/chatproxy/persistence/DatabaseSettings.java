package io.chatproxy.persistence;

import java.time.Duration;

import io.chatproxy.config.SettingsReader;

/**
 * Where the database is and how the pool behaves.
 *
 * @param url parsed location
 * @param maxPoolSize most connections
 * @param minIdle connections kept open
 * @param connectionTimeout longest wait for a connection before the request gets 503
 * @param validationTimeout longest liveness check of a connection
 * @param maxLifetime connections are replaced after this
 * @param queryTimeout longest a statement may run (PostgreSQL statement_timeout and socket timeout)
 * @param migrateOnStart whether Flyway migrates at start-up
 */
public record DatabaseSettings(DatabaseUrl url,
                               int maxPoolSize,
                               int minIdle,
                               Duration connectionTimeout,
                               Duration validationTimeout,
                               Duration maxLifetime,
                               Duration queryTimeout,
                               boolean migrateOnStart) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static DatabaseSettings read(SettingsReader r) {
        return new DatabaseSettings(DatabaseUrl.parse(r.string("database.url")),
                                    r.integer("database.pool.max-size", 1, 500),
                                    r.integer("database.pool.min-idle", 0, 500),
                                    r.duration("database.pool.connection-timeout"),
                                    r.duration("database.pool.validation-timeout"),
                                    r.duration("database.pool.max-lifetime"),
                                    r.duration("database.query-timeout"),
                                    r.bool("database.migrate-on-start"));
    }
}
