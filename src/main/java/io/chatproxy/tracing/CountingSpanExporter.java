package io.chatproxy.tracing;

import java.util.Collection;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/** Counts the spans of every export that failed (collector down, refused or too slow). */
final class CountingSpanExporter implements SpanExporter {
    private final SpanExporter delegate;
    private final DroppedSpans dropped;

    CountingSpanExporter(SpanExporter delegate, DroppedSpans dropped) {
        this.delegate = delegate;
        this.dropped = dropped;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        CompletableResultCode result = delegate.export(spans);
        int size = spans.size();
        result.whenComplete(() -> {
            if (!result.isSuccess()) {
                dropped.exportFailed(size);
            }
        });
        return result;
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }
}
