package io.chatproxy.persistence;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import io.helidon.dbclient.DbRow;

/**
 * Timestamps to and from the database: written as UTC {@link OffsetDateTime} (which both PostgreSQL and H2 bind for
 * {@code TIMESTAMP WITH TIME ZONE}), read from whatever type the driver returns.
 */
public final class DbTime {
    private DbTime() {
    }

    /** A value to bind. */
    public static OffsetDateTime of(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /**
     * A timestamp column.
     *
     * @param row row
     * @param column column label
     * @return the instant, or null for SQL NULL
     */
    public static Instant read(DbRow row, String column) {
        Object value = row.column(column).asOptional().orElse(null);
        return switch (value) {
            case null -> null;
            case OffsetDateTime odt -> odt.toInstant();
            case Timestamp ts -> ts.toInstant();
            case Instant i -> i;
            case ZonedDateTime zdt -> zdt.toInstant();
            default -> throw new IllegalStateException("Unexpected time type " + value.getClass().getName());
        };
    }
}
