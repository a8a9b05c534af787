package io.chatproxy.tracing;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

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
    private final AtomicLong failedExports = new AtomicLong();
    private volatile CollectionRegistration registration = CollectionRegistration.noop();

    /** Counts the spans of a failed export; returns the count of such spans before them. */
    long exportFailed(int spans) {
        return failedExports.addAndGet(spans) - spans;
    }

    /** Spans lost in failed exports so far. */
    long failedExports() {
        return failedExports.get();
    }

    /** Spans lost so far. */
    long count() {
        return failedExports.get() + queueFull(registration.collectAllMetrics());
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
