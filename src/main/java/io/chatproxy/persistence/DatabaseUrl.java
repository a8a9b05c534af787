package io.chatproxy.persistence;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import io.chatproxy.config.SettingsReader;

/**
 * A database location as JDBC wants it. Accepts {@code jdbc:postgresql://...}, {@code jdbc:h2:...}, and the URL forms
 * operators of the Python predecessor have: {@code postgresql://user:pass@host:port/db}, {@code postgres://...} and
 * SQLAlchemy's {@code postgresql+asyncpg://...} / {@code postgresql+psycopg2://...}, also with several hosts for
 * failover ({@code postgresql://u@db1:5432,db2:5432/chat?target_session_attrs=read-write}, which becomes the driver's
 * {@code targetServerType=primary}). Errors never show the password.
 *
 * @param jdbcUrl URL for the JDBC driver, without credentials
 * @param username user, if given in the URL
 * @param password password, if given in the URL
 * @param postgres whether this is PostgreSQL (else H2)
 */
public record DatabaseUrl(String jdbcUrl, Optional<String> username, Optional<String> password, boolean postgres) {
    private static final String KEY = "database.url";

    /**
     * Whether no other process can reach the database: H2 in a file (which H2 locks) or in memory, not through an H2
     * server ({@code tcp:}, {@code ssl:}) nor with {@code AUTO_SERVER}, which lets a second process in. Every change
     * to such a database then passes through this process.
     *
     * @return true for an H2 database only this process opens
     */
    public boolean privateToThisProcess() {
        String lower = jdbcUrl.toLowerCase(Locale.ROOT);
        return !postgres && !lower.startsWith("jdbc:h2:tcp:") && !lower.startsWith("jdbc:h2:ssl:")
                && !lower.replace(" ", "").contains("auto_server=true");
    }

    /**
     * Parses a configured URL.
     *
     * @param raw as configured
     * @return the JDBC location
     */
    public static DatabaseUrl parse(String raw) {
        String url = raw.trim();
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:h2:")) {
            // Lower-case identifiers so column labels read the same as on PostgreSQL.
            String h2 = lower.contains("database_to_lower") ? url : url + ";DATABASE_TO_LOWER=TRUE";
            return new DatabaseUrl(h2, Optional.empty(), Optional.empty(), false);
        }
        if (lower.startsWith("jdbc:postgresql://")) {
            return new DatabaseUrl(url, Optional.empty(), Optional.empty(), true);
        }
        int colon = lower.indexOf("://");
        String scheme = colon < 0 ? "" : lower.substring(0, colon);
        if (!(scheme.equals("postgresql") || scheme.equals("postgres") || scheme.startsWith("postgresql+"))) {
            throw SettingsReader.invalid(KEY, "must start with jdbc:postgresql://, jdbc:h2:, postgresql:// "
                    + "or postgresql+<driver>://");
        }
        // several hosts (libpq's failover form, host1:5432,host2:5432) are no valid URI authority: parse one
        // stand-in host and put the list back afterwards
        String rest = url.substring(colon + 3);
        int end = rest.indexOf('/') < 0 ? rest.length() : rest.indexOf('/');
        int at = rest.lastIndexOf('@', end);
        String hosts = rest.substring(at + 1, end);
        boolean several = hosts.contains(",");
        if (several) {
            rest = rest.substring(0, at + 1) + "several-hosts.invalid" + rest.substring(end);
        }
        URI uri;
        try {
            uri = new URI("postgresql://" + rest);
        } catch (URISyntaxException e) {
            throw SettingsReader.invalid(KEY, "is not a valid URL (check that special characters in the password "
                    + "are percent-encoded)");
        }
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() <= 1) {
            throw SettingsReader.invalid(KEY, "must name a host and a database, e.g. postgresql://user@host:5432/db");
        }
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = Optional.of(decode(parts[0])).filter(s -> !s.isEmpty());
            password = parts.length == 2 ? Optional.of(decode(parts[1])) : Optional.empty();
        }
        String port = uri.getPort() == -1 ? "" : ":" + uri.getPort();
        String query = uri.getRawQuery() == null ? "" : "?" + targetServerType(uri.getRawQuery());
        String jdbc = "jdbc:postgresql://" + (several ? hosts : uri.getHost() + port) + uri.getRawPath() + query;
        return new DatabaseUrl(jdbc, user, password, true);
    }

    /** libpq's {@code target_session_attrs} as the JDBC driver's {@code targetServerType}. */
    private static String targetServerType(String query) {
        return Arrays.stream(query.split("&")).map(p -> {
            if (!p.toLowerCase(Locale.ROOT).startsWith("target_session_attrs=")) {
                return p;
            }
            String type = switch (p.substring(p.indexOf('=') + 1).toLowerCase(Locale.ROOT)) {
                case "read-write", "primary" -> "primary";
                case "read-only", "standby" -> "secondary";
                case "prefer-standby" -> "preferSecondary";
                default -> "any";
            };
            return "targetServerType=" + type;
        }).collect(Collectors.joining("&"));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + jdbcUrl + ", user=" + username.orElse("") + "]";
    }
}
