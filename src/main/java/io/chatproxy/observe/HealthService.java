package io.chatproxy.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.ratelimit.RateLimiter;
import io.chatproxy.web.JsonCodec;

/**
 * {@code GET /health}: the state of each dependency and the non-secret settings. Unhealthy (503) when the database is
 * unreachable; degraded (200) when the rate limiter runs on its fallback. Results are cached briefly so probes cannot
 * load the database.
 */
public final class HealthService implements HttpService {
    private static final Duration CACHE = Duration.ofSeconds(2);

    private final BooleanSupplier database;
    private final RateLimiter rateLimiter;
    private final String upstream;
    private final Map<String, Object> publicConfig;
    private final JsonCodec json;
    private final Clock clock;
    private final Instant startedAt;
    private final String version;
    private final AtomicReference<Cached> cached = new AtomicReference<>();

    /**
     * Creates the service.
     *
     * @param database database ping
     * @param rateLimiter the limiter
     * @param upstream description of the upstream
     * @param publicConfig settings safe to show
     * @param json JSON codec
     * @param clock time source
     * @param version application version
     */
    public HealthService(BooleanSupplier database, RateLimiter rateLimiter, String upstream,
                         Map<String, Object> publicConfig, JsonCodec json, Clock clock, String version) {
        this.database = database;
        this.rateLimiter = rateLimiter;
        this.upstream = upstream;
        this.publicConfig = publicConfig;
        this.json = json;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.version = version;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::health);
    }

    private void health(ServerRequest req, ServerResponse res) {
        Cached current = cached.get();
        Instant now = clock.instant();
        if (current == null || now.isAfter(current.at().plus(CACHE))) {
            current = new Cached(now, check());
            cached.set(current);
        }
        Map<String, Object> body = new LinkedHashMap<>(current.body());
        body.put("uptime_seconds", Duration.between(startedAt, now).toSeconds());
        json.send(res, "unhealthy".equals(body.get("status")) ? Status.SERVICE_UNAVAILABLE_503 : Status.OK_200, body);
    }

    private Map<String, Object> check() {
        long start = System.nanoTime();
        boolean dbUp = database.getAsBoolean();
        long latency = (System.nanoTime() - start) / 1_000_000;
        boolean limiterUp = rateLimiter.healthy();
        String status = !dbUp ? "unhealthy" : limiterUp ? "healthy" : "degraded";
        Map<String, Object> services = new LinkedHashMap<>();
        services.put("database", Map.of("status", dbUp ? "up" : "down", "latency_ms", latency));
        services.put("rate_limiter", Map.of("status", limiterUp ? "up" : "degraded", "kind", rateLimiter.kind()));
        services.put("n8n", Map.of("status", "configured", "upstream", upstream));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("version", version);
        body.put("services", services);
        body.put("config", publicConfig);
        return body;
    }

    private record Cached(Instant at, Map<String, Object> body) {
    }
}
