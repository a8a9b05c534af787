package io.chatproxy.observe;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A check of one dependency for {@code /health}.
 *
 * @param name name in the {@code services} object
 * @param critical whether its failure makes the service unhealthy (else degraded)
 * @param checker the check
 */
public record DependencyProbe(String name, boolean critical, Supplier<Result> checker) {
    /** Runs the check; a failing check counts as down. */
    public Result check() {
        try {
            return checker.get();
        } catch (RuntimeException e) {
            return new Result(false, -1, Map.of());
        }
    }

    /** A check that times a boolean call. */
    public static DependencyProbe timed(String name, boolean critical, BooleanSupplier call,
            Map<String, Object> details) {
        return new DependencyProbe(name, critical, () -> {
            long start = System.nanoTime();
            boolean up = call.getAsBoolean();
            return new Result(up, (System.nanoTime() - start) / 1_000_000, details);
        });
    }

    /**
     * Outcome of a check.
     *
     * @param up whether the dependency works
     * @param latencyMs how long the check took, or -1
     * @param details extra fields
     */
    public record Result(boolean up, long latencyMs, Map<String, Object> details) {
        Shown shown() {
            return new Shown(up ? "up" : "down", latencyMs >= 0 ? latencyMs : null, details);
        }
    }

    /**
     * A result as {@code /health} shows it in {@code services}.
     *
     * @param status up or down
     * @param latencyMs left out when not measured
     * @param details extra fields, after the others
     */
    record Shown(String status, @JsonProperty("latency_ms") @JsonInclude(JsonInclude.Include.NON_NULL) Long latencyMs,
            @JsonAnyGetter Map<String, Object> details) {
    }
}
