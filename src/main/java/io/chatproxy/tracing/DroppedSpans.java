package io.chatproxy.tracing;

import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;

/**
 * Spans that never reached the collector: those the batch processor refused because its queue was full (read from
 * the SDK's own {@code processedSpans} counter, {@code dropped=true}) plus those in exports that failed.
 */
final class DroppedSpans implements MetricReader {
    private static final String PROCESSED_SPANS = "processedSpans";
    private static final AttributeKey<Boolean> DROPPED = AttributeKey.booleanKey("dropped");
    private final LongAdder failedExports = new LongAdder();
    private volatile CollectionRegistration registration = CollectionRegistration.noop();

    void exportFailed(int spans) {
        failedExports.add(spans);
    }

    /** Spans lost so far. */
    long count() {
        return failedExports.sum() + queueFull(registration.collectAllMetrics());
    }

    private static long queueFull(Collection<MetricData> metrics) {
        long dropped = 0;
        for (MetricData metric : metrics) {
            if (PROCESSED_SPANS.equals(metric.getName())) {
                for (LongPointData point : metric.getLongSumData().getPoints()) {
                    if (Boolean.TRUE.equals(point.getAttributes().get(DROPPED))) {
                        dropped += point.getValue();
                    }
                }
            }
        }
        return dropped;
    }

    @Override
    public void register(CollectionRegistration registration) {
        this.registration = registration;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public MemoryMode getMemoryMode() {
        return MemoryMode.IMMUTABLE_DATA;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
