package io.chatproxy.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The Hikari pool, told by the {@link ConnectionGate} when the database is down and back. While down it stops
 * refilling. When back and holding no connection at all, it is replaced by a fresh pool: after failed refills Hikari
 * backs off up to 5 s between attempts, and would still be asleep when the database accepts again (chats came back
 * 2.3 s after PostgreSQL's connection slots freed).
 */
final class RenewablePool implements AutoCloseable {
    private final HikariConfig config;
    private final AtomicReference<HikariDataSource> current;

    RenewablePool(HikariConfig config) {
        this.config = config;
        this.current = new AtomicReference<>(new HikariDataSource(config));
    }

    /** A pooled connection, waiting up to the pool's connection timeout. */
    Connection connection() throws SQLException {
        return current.get().getConnection();
    }

    /** The database is down: no refilling in the background. */
    void databaseDown() {
        current.get().getHikariConfigMXBean().setMinimumIdle(0);
    }

    /** The database accepts connections again: refill, in a fresh pool if this one has none. */
    void databaseBack() {
        HikariDataSource pool = current.get();
        var mx = pool.getHikariPoolMXBean();
        if (mx != null && mx.getTotalConnections() == 0) {
            HikariDataSource fresh = new HikariDataSource(config);
            if (current.compareAndSet(pool, fresh)) {
                // closing waits for the old pool's sleeping refill; nobody should wait for that
                Thread.ofVirtual().name("database-pool-close").start(pool::close);
                return;
            }
            fresh.close();
        }
        current.get().getHikariConfigMXBean().setMinimumIdle(config.getMinimumIdle());
    }

    /** Connections in use, idle, and threads waiting. */
    Database.PoolState state() {
        var mx = current.get().getHikariPoolMXBean();
        return mx == null
                ? new Database.PoolState(0, 0, 0)
                : new Database.PoolState(mx.getActiveConnections(), mx.getIdleConnections(),
                        mx.getThreadsAwaitingConnection());
    }

    @Override
    public void close() {
        current.get().close();
    }
}
