package io.chatproxy.persistence;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Fails requests fast while the database is known to be down, instead of each waiting for the pool's connection
 * timeout. The first connection failure closes the gate; a background probe opens it again the moment the database
 * accepts a connection, so the pool refills on the next request.
 */
final class ConnectionGate implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(ConnectionGate.class.getName());

    private final BooleanSupplier reachable;
    private final Duration probeInterval;
    private final Consumer<Boolean> onChange;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicBoolean checking = new AtomicBoolean();
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean closed;

    /**
     * Creates the gate.
     *
     * @param reachable whether a fresh connection can be had now
     * @param probeInterval pause between probes while down
     * @param onChange told {@code false} when the gate closes and {@code true} when it opens again
     */
    ConnectionGate(BooleanSupplier reachable, Duration probeInterval, Consumer<Boolean> onChange) {
        this.reachable = reachable;
        this.probeInterval = probeInterval;
        this.onChange = onChange;
    }

    /** Whether requests may try the database. */
    boolean open() {
        return !down.get();
    }

    /** How many times the gate closed or opened: a result cached under another count is stale. */
    long changes() {
        return changes.get();
    }

    /** The database could not be reached: fail fast until the probe reaches it. */
    private void failed() {
        if (!closed && down.compareAndSet(false, true)) {
            changes.incrementAndGet();
            LOGGER.log(System.Logger.Level.WARNING, "Database unreachable: failing fast until it answers again");
            onChange.accept(false);
            Thread.ofVirtual().name("database-probe").start(this::probe);
        }
    }

    /**
     * A statement lost its connection (not a bad statement): one connection dying says little, so check in the
     * background whether the database is reachable and close the gate only if it is not.
     */
    void failedWith(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                suspect();
                return;
            }
        }
    }

    /**
     * No connection came from the pool in time: the database may be down, or only every connection busy (a burst).
     * A probe outside the pool tells which; only a database that cannot be reached closes the gate.
     */
    void suspect() {
        if (!closed && !down.get() && checking.compareAndSet(false, true)) {
            Thread.ofVirtual().name("database-check").start(() -> {
                try {
                    if (!reachable.getAsBoolean()) {
                        failed();
                    }
                } finally {
                    checking.set(false);
                }
            });
        }
    }

    private void probe() {
        long since = System.nanoTime();
        while (!closed) {
            if (reachable.getAsBoolean()) {
                onChange.accept(true);
                down.set(false);
                changes.incrementAndGet();
                LOGGER.log(System.Logger.Level.INFO, "Database reachable again after "
                        + Duration.ofNanos(System.nanoTime() - since).toMillis() + " ms");
                return;
            }
            try {
                Thread.sleep(probeInterval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
