package io.chatproxy.persistence;

import java.time.Clock;

/**
 * The persistence feature, built from the {@code database} section: the database (pool, start-up migration) and the
 * sweeper that deletes what has expired.
 *
 * @param database the database
 * @param sweeper the periodic clean-up (started by {@link #startSweeping()})
 */
public record Persistence(Database database, Sweeper sweeper) implements AutoCloseable {
    /**
     * Opens the database and prepares its sweeper.
     *
     * @param settings the {@code database} section
     * @param clock time source
     * @return the feature
     */
    public static Persistence open(DatabaseSettings settings, Clock clock) {
        Database database = Database.open(settings);
        return new Persistence(database, new Sweeper(database, settings, clock));
    }

    /** Starts the periodic sweep. */
    public void startSweeping() {
        sweeper.start();
    }

    @Override
    public void close() {
        sweeper.close();
        database.close();
    }
}
