/**
 * The database: PostgreSQL or the embedded H2 file database behind one HikariCP pool, Flyway migrations, named
 * statements (PostgreSQL's own text where it differs), calls that turn any database failure into 503
 * {@code database_unavailable}, the connection gate that fails fast while the
 * database is down, and the sweeper of expired rows. Uses only config; the stores of chat and session build on it.
 */
package io.chatproxy.persistence;
