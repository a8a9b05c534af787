package io.chatproxy.observe;

import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.web.JsonCodec;

/**
 * {@code GET /metrics}: the figures as JSON for people; Prometheus clients (asking for text/plain or OpenMetrics) are
 * sent to Helidon's {@code /observe/metrics}.
 */
public final class MetricsService implements HttpService {
    private final ProxyMetrics metrics;
    private final IntSupplier activeStreams;
    private final JsonCodec json;
    private final Supplier<String> breakerState;
    private final LongSupplier droppedSpans;

    /**
     * Creates the service.
     *
     * @param metrics the figures
     * @param activeStreams open streams now
     * @param json JSON codec
     * @param breakerState state of the circuit breaker around n8n
     * @param droppedSpans trace spans lost before reaching the collector
     */
    public MetricsService(ProxyMetrics metrics, IntSupplier activeStreams, JsonCodec json,
            Supplier<String> breakerState, LongSupplier droppedSpans) {
        this.droppedSpans = droppedSpans;
        this.breakerState = breakerState;
        this.metrics = metrics;
        this.activeStreams = activeStreams;
        this.json = json;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::metrics);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        String accept = req.headers().first(HeaderNames.ACCEPT).orElse("");
        if (accept.contains("text/plain") || accept.contains("openmetrics")) {
            res.reroute("/observe/metrics");
            return;
        }
        ProxyMetrics.Snapshot s = metrics.snapshot(activeStreams.getAsInt());
        json.send(res, Status.OK_200, new Figures(
                new Connections(s.activeStreams(), s.totalStreams(), s.disconnects()),
                new RateLimits(s.allowed(), s.rejected(), s.rejectedByScope(), s.rateLimitFallbacks()),
                new Messages(s.messages(), s.outcomes(), s.threatsByRule()),
                new Upstream(s.upstreamRequests(), s.upstreamErrors(), breakerState.get(), s.bulkheadRejections(),
                        new Ttfb(s.ttfbP50(), s.ttfbP99())),
                new Sessions(s.sessionsCreated(), s.invalidTokens(), s.fingerprintMismatches()),
                new Tracing(droppedSpans.getAsLong())));
    }

    /** The body of {@code GET /metrics}. */
    record Figures(Connections connections, @JsonProperty("rate_limits") RateLimits rateLimits, Messages messages,
            Upstream upstream, Sessions sessions, Tracing tracing) {
    }

    record Connections(@JsonProperty("active_streams") int activeStreams,
            @JsonProperty("total_streams") long totalStreams, long disconnects) {
    }

    record RateLimits(long allowed, long rejected, @JsonProperty("by_scope") Map<String, Long> byScope,
            @JsonProperty("fallback_decisions") long fallbackDecisions) {
    }

    record Messages(long received, @JsonProperty("answers_by_status") Map<String, Long> answersByStatus,
            @JsonProperty("threats_by_rule") Map<String, Long> threatsByRule) {
    }

    record Upstream(long requests, Map<String, Long> errors, @JsonProperty("circuit_breaker") String circuitBreaker,
            @JsonProperty("bulkhead_rejections") Map<String, Long> bulkheadRejections,
            @JsonProperty("ttfb_ms") Ttfb ttfbMs) {
    }

    /** Time to n8n's first chunk in milliseconds. */
    record Ttfb(double p50, double p99) {
    }

    record Sessions(long created, @JsonProperty("invalid_tokens") long invalidTokens,
            @JsonProperty("fingerprint_mismatches") long fingerprintMismatches) {
    }

    record Tracing(@JsonProperty("dropped_spans") long droppedSpans) {
    }
}
