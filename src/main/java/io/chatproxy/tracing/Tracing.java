package io.chatproxy.tracing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.helidon.config.Config;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

/**
 * The tracer of this process. Configured the standard way ({@code OTEL_SERVICE_NAME}, {@code OTEL_TRACES_SAMPLER},
 * {@code OTEL_BSP_MAX_QUEUE_SIZE}, ...) through OpenTelemetry's autoconfigure, and off, with no cost, unless
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set. Spans leave through a
 * batch processor with a bounded queue on its own thread: a slow or absent collector loses spans (counted), never time
 * on a request.
 */
public final class Tracing implements AutoCloseable {
    private static final String SCOPE = "io.chatproxy";
    private static final Map<String, String> DEFAULTS = Map.of(
            "otel.service.name", "chat-proxy",
            "otel.traces.sampler", "parentbased_traceidratio",
            "otel.traces.exporter", "otlp",
            "otel.exporter.otlp.protocol", "http/protobuf",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none");

    private final OpenTelemetrySdk sdk;
    private final DroppedSpans dropped;

    private Tracing(OpenTelemetrySdk sdk, DroppedSpans dropped) {
        this.sdk = sdk;
        this.dropped = dropped;
    }

    /** Tracing off: no spans, no exporter, no thread. */
    public static Tracing off() {
        return new Tracing(null, null);
    }

    /**
     * Tracing as the {@code OTEL_*} variables of the application's environment say (the settings source keeps them
     * under the {@code otel} key, one child per variable).
     *
     * @param otel the {@code otel} node of the application's configuration
     * @return tracing, off when no OTLP endpoint is set
     */
    public static Tracing create(Config otel) {
        Map<String, String> properties = new HashMap<>();
        otel.asMap().orElseGet(Map::of).forEach((key, value) -> properties.put(property(key), value));
        if (!properties.containsKey("otel.exporter.otlp.endpoint")
                && !properties.containsKey("otel.exporter.otlp.traces.endpoint")) {
            return off();
        }
        DroppedSpans dropped = new DroppedSpans();
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .disableShutdownHook()
                .addPropertiesSupplier(() -> DEFAULTS)
                .addPropertiesCustomizer(config -> properties)
                .addSpanExporterCustomizer((exporter, config) -> new CountingSpanExporter(exporter, dropped))
                .addMeterProviderCustomizer((builder, config) -> builder.registerMetricReader(dropped))
                .build()
                .getOpenTelemetrySdk();
        return new Tracing(sdk, dropped);
    }

    /** {@code otel.OTEL_EXPORTER_OTLP_ENDPOINT} becomes {@code otel.exporter.otlp.endpoint}. */
    private static String property(String key) {
        String name = key.substring(key.lastIndexOf('.') + 1);
        return name.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Whether spans are recorded and exported. */
    public boolean enabled() {
        return sdk != null;
    }

    /** Spans lost because the collector was down, slow or the queue full. */
    public long droppedSpans() {
        return sdk == null ? 0 : dropped.count();
    }

    /** The tracer for chat-proxy's spans (only when enabled). */
    Tracer tracer() {
        return sdk.getTracer(SCOPE);
    }

    /** Flushes what is queued (bounded wait) and stops the exporter. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
