package io.chatproxy.observe;

import java.util.function.BooleanSupplier;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/**
 * Helidon's observe endpoints for Kubernetes and Prometheus: {@code /observe/health/live} (process alive, no
 * deadlock), {@code /observe/health/ready} (database reachable and not draining; a Redis outage only degrades, since
 * the rate limiter falls back), {@code /observe/health/started}, and {@code /observe/metrics}.
 */
public final class ObserveEndpoints {
    private ObserveEndpoints() {
    }

    /**
     * Builds the observe feature.
     *
     * @param databaseUp whether the database answers
     * @param draining whether the server is draining for shutdown
     * @param details whether the health endpoints show each check's details
     * @return the feature to add to the web server
     */
    public static ObserveFeature create(BooleanSupplier databaseUp, BooleanSupplier draining, boolean details) {
        HealthObserver health = HealthObserver.builder()
                .details(details)
                .useSystemServices(true)
                .addCheck(() -> HealthCheckResponse.builder().status(databaseUp.getAsBoolean()).build(),
                        HealthCheckType.READINESS, "database")
                .addCheck(() -> HealthCheckResponse.builder().status(!draining.getAsBoolean())
                        .detail("draining", draining.getAsBoolean()).build(),
                        HealthCheckType.READINESS, "accepting-streams")
                .build();
        return ObserveFeature.builder()
                .endpoint("/observe")
                .addObserver(health)
                .addObserver(MetricsObserver.create())
                .build();
    }
}
