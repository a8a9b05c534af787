package io.chatproxy.observe;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import io.chatproxy.chat.MessageStatus;
import io.chatproxy.chat.StreamEvents;
import io.chatproxy.ratelimit.RateLimitEvents;
import io.chatproxy.session.SessionEvents;

/**
 * The service's figures: kept per instance for {@code /metrics} (JSON for people) and mirrored into Helidon's meter
 * registry for Prometheus at {@code /observe/metrics}.
 */
public final class ProxyMetrics implements SessionEvents, RateLimitEvents, StreamEvents, AutoCloseable {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final LongAdder streamsTotal = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final LongAdder messages = new LongAdder();
    private final LongAdder sessionsCreated = new LongAdder();
    private final LongAdder invalidTokens = new LongAdder();
    private final LongAdder fingerprintMismatches = new LongAdder();
    private final LongAdder allowed = new LongAdder();
    private final LongAdder upstreamRequests = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final Map<String, LongAdder> rejectedByScope = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> upstreamErrors = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> threatsByRule = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> bulkheadRejections = new ConcurrentHashMap<>();
    private final Map<MessageStatus, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Timer ttfb;
    private final Gauge<Integer> activeGauge;
    private Gauge<Integer> breakerGauge;

    /**
     * Creates the metrics.
     *
     * @param registry Helidon meter registry
     * @param activeStreams source of the open-stream count
     */
    public ProxyMetrics(MeterRegistry registry, IntSupplier activeStreams) {
        this.registry = registry;
        this.ttfb = registry.getOrCreate(Timer.builder("chat.upstream.ttfb")
                .description("Time from calling n8n to the first chunk")
                .percentiles(0.5, 0.99));
        // One live gauge: a previous instance in this JVM (tests start several) must not keep answering.
        registry.remove("chat.streams.active", List.of());
        this.activeGauge = registry.getOrCreate(Gauge.builder("chat.streams.active", activeStreams::getAsInt)
                .description("Chat streams open now"));
    }

    @Override
    public void created() {
        sessionsCreated.increment();
        count("chat.sessions.created");
    }

    @Override
    public void invalidToken() {
        invalidTokens.increment();
        count("chat.sessions.refused", Tag.create("reason", "invalid_token"));
    }

    @Override
    public void fingerprintMismatch() {
        fingerprintMismatches.increment();
        count("chat.sessions.refused", Tag.create("reason", "fingerprint_mismatch"));
    }

    @Override
    public void allowed() {
        allowed.increment();
        count("chat.ratelimit.allowed");
    }

    /**
     * Publishes the circuit breaker's state as the gauge {@code chat.upstream.circuit_breaker.state}.
     *
     * @param level 0 closed, 1 half-open, 2 open
     */
    public void breakerState(IntSupplier level) {
        registry.remove("chat.upstream.circuit_breaker.state", List.of());
        breakerGauge = registry.getOrCreate(Gauge.builder("chat.upstream.circuit_breaker.state", level::getAsInt)
                .description("0 closed, 1 half-open, 2 open"));
    }

    /**
     * A bulkhead refused a request.
     *
     * @param group route group
     */
    public void bulkheadRejected(String group) {
        bulkheadRejections.computeIfAbsent(group, g -> new LongAdder()).increment();
        count("chat.bulkhead.rejected", Tag.create("route", group));
    }

    /** A rate-limit decision was made without Redis. */
    public void rateLimitFallback() {
        fallbacks.increment();
        count("chat.ratelimit.fallback");
    }

    @Override
    public void rejected(String scope) {
        rejectedByScope.computeIfAbsent(scope, s -> new LongAdder()).increment();
        count("chat.ratelimit.rejected", Tag.create("limit", scope));
    }

    @Override
    public void streamStarted() {
        streamsTotal.increment();
        upstreamRequests.increment();
        count("chat.streams.started");
    }

    @Override
    public void streamEnded(MessageStatus outcome, int chunks) {
        outcomes.computeIfAbsent(outcome, s -> new LongAdder()).increment();
        count("chat.streams.ended", Tag.create("outcome", outcome.text()));
    }

    @Override
    public void clientDisconnected() {
        disconnects.increment();
        count("chat.client.disconnects");
    }

    @Override
    public void messageReceived() {
        messages.increment();
        count("chat.messages.received");
    }

    @Override
    public void firstChunk(long nanos) {
        ttfb.record(Duration.ofNanos(nanos));
    }

    @Override
    public void threatDetected(List<String> rules) {
        for (String rule : rules) {
            threatsByRule.computeIfAbsent(rule, r -> new LongAdder()).increment();
            count("chat.threats.detected", Tag.create("rule", rule));
        }
    }

    @Override
    public void upstreamFailed(String code) {
        upstreamErrors.computeIfAbsent(code, s -> new LongAdder()).increment();
        count("chat.upstream.errors", Tag.create("code", code));
    }

    /** A snapshot for the JSON endpoint. */
    public Snapshot snapshot(int activeStreams) {
        return new Snapshot(activeStreams, streamsTotal.sum(), disconnects.sum(), messages.sum(),
                sessionsCreated.sum(), invalidTokens.sum(), fingerprintMismatches.sum(), allowed.sum(),
                sums(rejectedByScope), upstreamRequests.sum(), sums(upstreamErrors),
                outcomes.entrySet().stream().collect(Collectors.toMap(
                        e -> e.getKey().text(), e -> e.getValue().sum(), Long::sum, TreeMap::new)),
                millis(0.5), millis(0.99), sums(threatsByRule), fallbacks.sum(),
                sums(bulkheadRejections));
    }

    @Override
    public void close() {
        registry.remove(activeGauge);
        if (breakerGauge != null) {
            registry.remove(breakerGauge);
        }
    }

    private double millis(double quantile) {
        for (var p : ttfb.snapshot().percentileValues()) {
            if (Math.abs(p.percentile() - quantile) < 1e-6) {
                return p.value(TimeUnit.MILLISECONDS);
            }
        }
        return 0;
    }

    private void count(String name, Tag... tags) {
        // looked up once per name and tag values: the registry's getOrCreate builds and hashes a meter id every call
        StringBuilder key = new StringBuilder(name);
        for (Tag tag : tags) {
            key.append('\u0000').append(tag.key()).append('\u0000').append(tag.value());
        }
        counters.computeIfAbsent(key.toString(),
                k -> registry.getOrCreate(Counter.builder(name).tags(List.of(tags)))).increment();
    }

    private static Map<String, Long> sums(Map<String, LongAdder> adders) {
        Map<String, Long> sums = new TreeMap<>();
        adders.forEach((k, v) -> sums.put(k, v.sum()));
        return sums;
    }

    /**
     * Figures at one moment.
     *
     * @param activeStreams open streams
     * @param totalStreams streams started
     * @param disconnects browsers gone mid-stream
     * @param messages messages received
     * @param sessionsCreated sessions created
     * @param invalidTokens cookies refused
     * @param fingerprintMismatches cookies from another browser
     * @param allowed requests passed by the rate limiter
     * @param rejectedByScope requests refused, by scope
     * @param upstreamRequests calls to n8n
     * @param upstreamErrors failures, by code
     * @param outcomes ended streams by outcome
     * @param ttfbP50 median time to first chunk, ms
     * @param ttfbP99 99th percentile time to first chunk, ms
     * @param threatsByRule messages that matched each threat rule
     * @param rateLimitFallbacks decisions made without Redis
     * @param bulkheadRejections requests refused by a full bulkhead, by route group
     */
    public record Snapshot(int activeStreams, long totalStreams, long disconnects, long messages,
            long sessionsCreated, long invalidTokens, long fingerprintMismatches, long allowed,
            Map<String, Long> rejectedByScope, long upstreamRequests, Map<String, Long> upstreamErrors,
            Map<String, Long> outcomes, double ttfbP50, double ttfbP99,
            Map<String, Long> threatsByRule, long rateLimitFallbacks,
            Map<String, Long> bulkheadRejections) {
        /** Requests refused in all scopes. */
        public long rejected() {
            return rejectedByScope.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
