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
 * @param sweepInterval how often expired data is cleaned up
 * @param retention how long after expiry a session and its messages are kept
 * @param sweepBatch most sessions deleted per statement
 * @param staleAnswerAfter an answer still streaming this long after its last write is marked partial
 * @param startupWait how long start-up waits for the database to accept a connection before it gives up
 * @param probeInterval while the database is down, how often a fresh connection is tried
 */
public record DatabaseSettings(DatabaseUrl url,
        int maxPoolSize,
        int minIdle,
        Duration connectionTimeout,
        Duration validationTimeout,
        Duration maxLifetime,
        Duration queryTimeout,
        boolean migrateOnStart,
        Duration sweepInterval,
        Duration retention,
        int sweepBatch,
        Duration staleAnswerAfter,
        Duration startupWait,
        Duration probeInterval) {
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
                r.bool("database.migrate-on-start"),
                r.duration("database.sweep.interval"),
                r.duration("database.sweep.retention"),
                r.integer("database.sweep.batch-size", 1, 100_000),
                r.duration("database.sweep.stale-answer-after"),
                r.duration("database.startup-wait"),
                r.duration("database.probe-interval"));
    }
}
