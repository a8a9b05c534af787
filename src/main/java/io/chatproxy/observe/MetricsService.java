package io.chatproxy.observe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

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
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("connections", ordered("active_streams", s.activeStreams(), "total_streams", s.totalStreams(),
                "disconnects", s.disconnects()));
        body.put("rate_limits", ordered("allowed", s.allowed(), "rejected", s.rejected(),
                "by_scope", s.rejectedByScope(), "fallback_decisions",
                s.rateLimitFallbacks()));
        body.put("messages", ordered("received", s.messages(), "answers_by_status", s.outcomes(),
                "threats_by_rule", s.threatsByRule()));
        body.put("upstream", ordered("requests", s.upstreamRequests(), "errors", s.upstreamErrors(),
                "circuit_breaker", breakerState.get(),
                "bulkhead_rejections", s.bulkheadRejections(),
                "ttfb_ms", ordered("p50", s.ttfbP50(), "p99", s.ttfbP99())));
        body.put("sessions", ordered("created", s.sessionsCreated(), "invalid_tokens", s.invalidTokens(),
                "fingerprint_mismatches", s.fingerprintMismatches()));
        body.put("tracing", ordered("dropped_spans", droppedSpans.getAsLong()));
        json.send(res, Status.OK_200, body);
    }

    private static Map<String, Object> ordered(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
