package io.chatproxy.observe;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

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
 * The service's figures, counted once in Helidon's meter registry: Prometheus reads them at {@code /observe/metrics},
 * and {@link #snapshot(int)} reads the same meters for {@code /metrics} (JSON for people).
 */
public final class ProxyMetrics implements SessionEvents, RateLimitEvents, StreamEvents, AutoCloseable {
    private static final String STREAMS_STARTED = "chat.streams.started";
    private static final String STREAMS_ENDED = "chat.streams.ended";
    private static final String DISCONNECTS = "chat.client.disconnects";
    private static final String MESSAGES = "chat.messages.received";
    private static final String SESSIONS_CREATED = "chat.sessions.created";
    private static final String SESSIONS_REFUSED = "chat.sessions.refused";
    private static final String ALLOWED = "chat.ratelimit.allowed";
    private static final String REJECTED = "chat.ratelimit.rejected";
    private static final String FALLBACKS = "chat.ratelimit.fallback";
    private static final String BULKHEAD_REJECTED = "chat.bulkhead.rejected";
    private static final String THREATS = "chat.threats.detected";
    private static final String UPSTREAM_ERRORS = "chat.upstream.errors";

    private final MeterRegistry registry;
    private final Map<CounterId, Counter> counters = new ConcurrentHashMap<>();
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
        // Each instance counts in meters of its own: a previous instance in this JVM (tests start several) keeps its
        // figures, but its meters leave the registry and stop answering at /observe/metrics.
        registry.remove("chat.upstream.ttfb", List.of());
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
        count(SESSIONS_CREATED);
    }

    @Override
    public void invalidToken() {
        count(SESSIONS_REFUSED, "reason", "invalid_token");
    }

    @Override
    public void fingerprintMismatch() {
        count(SESSIONS_REFUSED, "reason", "fingerprint_mismatch");
    }

    @Override
    public void allowed() {
        count(ALLOWED);
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
        count(BULKHEAD_REJECTED, "route", group);
    }

    /** A rate-limit decision was made without Redis. */
    public void rateLimitFallback() {
        count(FALLBACKS);
    }

    @Override
    public void rejected(String scope) {
        count(REJECTED, "limit", scope);
    }

    @Override
    public void streamStarted() {
        count(STREAMS_STARTED);
    }

    @Override
    public void streamEnded(MessageStatus outcome, int chunks) {
        count(STREAMS_ENDED, "outcome", outcome.text());
    }

    @Override
    public void clientDisconnected() {
        count(DISCONNECTS);
    }

    @Override
    public void messageReceived() {
        count(MESSAGES);
    }

    @Override
    public void firstChunk(long nanos) {
        ttfb.record(Duration.ofNanos(nanos));
    }

    @Override
    public void threatDetected(List<String> rules) {
        for (String rule : rules) {
            count(THREATS, "rule", rule);
        }
    }

    @Override
    public void upstreamFailed(String code) {
        count(UPSTREAM_ERRORS, "code", code);
    }

    /**
     * The figures now, read from the meters.
     *
     * @param activeStreams open streams now
     * @return the figures
     */
    public Snapshot snapshot(int activeStreams) {
        long started = total(STREAMS_STARTED);
        Map<String, Long> refused = byTag(SESSIONS_REFUSED);
        // every stream started is one call to n8n
        return new Snapshot(activeStreams, started, total(DISCONNECTS), total(MESSAGES),
                total(SESSIONS_CREATED), refused.getOrDefault("invalid_token", 0L),
                refused.getOrDefault("fingerprint_mismatch", 0L), total(ALLOWED),
                byTag(REJECTED), started, byTag(UPSTREAM_ERRORS), byTag(STREAMS_ENDED),
                millis(0.5), millis(0.99), byTag(THREATS), total(FALLBACKS), byTag(BULKHEAD_REJECTED));
    }

    @Override
    public void close() {
        registry.remove(activeGauge);
        if (breakerGauge != null) {
            registry.remove(breakerGauge);
        }
        // every meter of this instance leaves the registry: an instance that follows starts from zero
        registry.remove(ttfb);
        counters.values().forEach(registry::remove);
    }

    private double millis(double quantile) {
        for (var p : ttfb.snapshot().percentileValues()) {
            if (Math.abs(p.percentile() - quantile) < 1e-6) {
                return p.value(TimeUnit.MILLISECONDS);
            }
        }
        return 0;
    }

    private void count(String name) {
        count(name, "", "");
    }

    private void count(String name, String tag, String value) {
        // kept per name and tag: the registry's getOrCreate builds and hashes a meter id every call
        counters.computeIfAbsent(new CounterId(name, tag, value), this::register).increment();
    }

    private Counter register(CounterId id) {
        List<Tag> tags = id.tag().isEmpty() ? List.of() : List.of(Tag.create(id.tag(), id.value()));
        registry.remove(id.name(), tags); // a previous instance's meter (see the constructor)
        return registry.getOrCreate(Counter.builder(id.name()).tags(tags));
    }

    /** A counter without tags; 0 until its first event. */
    private long total(String name) {
        Counter counter = counters.get(new CounterId(name, "", ""));
        return counter == null ? 0 : counter.count();
    }

    /** A counter's values by its one tag's value, sorted; a value appears with its first event. */
    private Map<String, Long> byTag(String name) {
        Map<String, Long> values = new TreeMap<>();
        counters.forEach((id, counter) -> {
            if (id.name().equals(name)) {
                values.merge(id.value(), counter.count(), Long::sum);
            }
        });
        return values;
    }

    /** A counter's name and its one tag ({@code ""} when it has none). */
    private record CounterId(String name, String tag, String value) {
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
