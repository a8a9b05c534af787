package io.chatproxy.tracing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

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

    /** The OTLP exporter's and its HTTP sender's java.util.logging parent. */
    static final String EXPORTER_LOGGER = "io.opentelemetry.exporter";

    private final OpenTelemetrySdk sdk;
    private final DroppedSpans dropped;
    // held: java.util.logging keeps loggers weakly, and a collected one would lose the level set on it
    @SuppressWarnings({"UnusedVariable", "unused"})
    private final Logger exporterLogger;

    private Tracing(OpenTelemetrySdk sdk, DroppedSpans dropped, Logger exporterLogger) {
        this.sdk = sdk;
        this.dropped = dropped;
        this.exporterLogger = exporterLogger;
    }

    /** Tracing off: no spans, no exporter, no thread. */
    public static Tracing off() {
        return new Tracing(null, null, null);
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
        String endpoint = properties.getOrDefault("otel.exporter.otlp.traces.endpoint",
                properties.get("otel.exporter.otlp.endpoint"));
        if (endpoint == null) {
            return off();
        }
        DroppedSpans dropped = new DroppedSpans();
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .disableShutdownHook()
                .addPropertiesSupplier(() -> DEFAULTS)
                .addPropertiesCustomizer(config -> properties)
                .addSpanExporterCustomizer((exporter, config) -> new ReportingSpanExporter(exporter, dropped, endpoint))
                .addMeterProviderCustomizer((builder, config) -> builder.registerMetricReader(dropped))
                .build()
                .getOpenTelemetrySdk();
        return new Tracing(sdk, dropped, quietExporter());
    }

    /**
     * The exporter logs a SEVERE stack trace for every batch it cannot send (every few seconds while a collector is
     * down); {@link ReportingSpanExporter} reports an outage once instead. A level the operator configured for
     * {@value #EXPORTER_LOGGER} in logging.properties is kept.
     */
    private static Logger quietExporter() {
        Logger logger = Logger.getLogger(EXPORTER_LOGGER);
        if (logger.getLevel() == null) {
            logger.setLevel(Level.OFF);
        }
        return logger;
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
