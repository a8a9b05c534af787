package io.chatproxy.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.web.JsonCodec;

/**
 * {@code GET /health}: the overall status, and with details on the state of each dependency and the non-secret
 * settings. Unhealthy (503) when a critical dependency (the database) is down; degraded (200) when a dependency with a
 * fallback is. Results are cached briefly so probes cannot load the database, but never across a change the
 * application noticed itself (the database found down or back), so /health follows an outage and its end at once.
 */
public final class HealthService implements HttpService {
    private static final Duration CACHE = Duration.ofSeconds(2);
    /**
     * A result that is not healthy is checked again sooner: a recovery (a Redis failover ends, the database is back)
     * shows within this time instead of up to 2 s later, while a probe flood during an outage still costs at most
     * four checks a second.
     */
    private static final Duration CACHE_WHILE_NOT_HEALTHY = Duration.ofMillis(250);

    private final List<DependencyProbe> probes;
    private final Map<String, Object> publicConfig;
    private final JsonCodec json;
    private final Clock clock;
    private final boolean details;
    private final Instant startedAt;
    private final String version;
    private final LongSupplier stateChanges;
    private final AtomicReference<Cached> cached = new AtomicReference<>();

    /**
     * Creates the service.
     *
     * @param probes dependency checks
     * @param publicConfig settings safe to show
     * @param json JSON codec
     * @param clock time source
     * @param version application version
     * @param details whether the answer shows the dependencies, settings, version and uptime (else the status only:
     *         the webhook URL and the customers' origins are not for everyone)
     * @param stateChanges a count that changes whenever a dependency is found down or back: the cache is then stale
     */
    public HealthService(List<DependencyProbe> probes, Map<String, Object> publicConfig, JsonCodec json, Clock clock,
            String version, boolean details, LongSupplier stateChanges) {
        this.probes = List.copyOf(probes);
        this.publicConfig = publicConfig;
        this.json = json;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.version = version;
        this.stateChanges = stateChanges;
        this.details = details;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::health);
    }

    private void health(ServerRequest req, ServerResponse res) {
        Checked checked = current().checked();
        Status status = checked.status() == Overall.UNHEALTHY ? Status.SERVICE_UNAVAILABLE_503 : Status.OK_200;
        if (details) {
            json.send(res, status, new Detailed(checked.status(), checked.version(), checked.services(),
                    checked.config(), Duration.between(startedAt, clock.instant()).toSeconds()));
        } else {
            json.send(res, status, new StatusOnly(checked.status()));
        }
    }

    private Cached current() {
        Cached current = cached.get();
        Instant now = clock.instant();
        long changes = stateChanges.getAsLong();
        if (current == null || current.changes() != changes || now.isAfter(current.at().plus(
                current.checked().status() == Overall.HEALTHY ? CACHE : CACHE_WHILE_NOT_HEALTHY))) {
            // the count is read before checking: a change during the check makes the next call check again
            current = new Cached(now, changes, check());
            cached.set(current);
        }
        return current;
    }

    private Checked check() {
        Map<String, DependencyProbe.Shown> services = new LinkedHashMap<>();
        boolean critical = false;
        boolean degraded = false;
        for (DependencyProbe probe : probes) {
            DependencyProbe.Result result = probe.check();
            services.put(probe.name(), result.shown());
            if (!result.up()) {
                critical |= probe.critical();
                degraded |= !probe.critical();
            }
        }
        Overall status = critical ? Overall.UNHEALTHY : degraded ? Overall.DEGRADED : Overall.HEALTHY;
        return new Checked(status, version, services, publicConfig);
    }

    /** The overall status; {@link #text()} is its value in the body. */
    enum Overall {
        HEALTHY, DEGRADED, UNHEALTHY;

        @JsonValue
        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private record Checked(Overall status, String version, Map<String, DependencyProbe.Shown> services,
            Map<String, Object> config) {
    }

    private record Cached(Instant at, long changes, Checked checked) {
    }

    /** The body without details. */
    record StatusOnly(Overall status) {
    }

    /** The body with details. */
    record Detailed(Overall status, String version, Map<String, DependencyProbe.Shown> services,
            Map<String, Object> config, @JsonProperty("uptime_seconds") long uptimeSeconds) {
    }
}
