package io.chatproxy.tracing;

import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Counts the spans of every export that failed (collector down, refused or too slow) and says so in the log once
 * when exports start failing (WARNING, with the reason) and once when they succeed again (INFO, with the count lost
 * meanwhile), in place of the exporter's own SEVERE stack trace per failed batch, which {@link Tracing} silences.
 */
final class ReportingSpanExporter implements SpanExporter {
    private static final System.Logger LOGGER = System.getLogger(ReportingSpanExporter.class.getName());
    /** Nothing failing. */
    private static final long HEALTHY = -1;

    private final SpanExporter delegate;
    private final DroppedSpans dropped;
    private final String endpoint;
    /** Spans dropped through failed exports when the current outage began, or {@link #HEALTHY}. */
    private final AtomicLong outageStart = new AtomicLong(HEALTHY);

    ReportingSpanExporter(SpanExporter delegate, DroppedSpans dropped, String endpoint) {
        this.delegate = delegate;
        this.dropped = dropped;
        this.endpoint = endpoint;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        CompletableResultCode result = delegate.export(spans);
        int size = spans.size();
        result.whenComplete(() -> {
            if (result.isSuccess()) {
                recovered();
            } else {
                failed(size, result.getFailureThrowable());
            }
        });
        return result;
    }

    private void failed(int size, Throwable failure) {
        long before = dropped.exportFailed(size);
        if (outageStart.compareAndSet(HEALTHY, before)) {
            LOGGER.log(Level.WARNING, "Spans cannot be exported to " + endpoint + " (" + reason(failure)
                    + "); they are dropped and counted in /metrics tracing.dropped_spans until it answers again");
        }
    }

    private void recovered() {
        long start = outageStart.getAndSet(HEALTHY);
        if (start != HEALTHY) {
            LOGGER.log(Level.INFO, "Spans are exported to " + endpoint + " again; "
                    + (dropped.failedExports() - start) + " were dropped while it failed");
        }
    }

    /** The failure in one line: the collector's HTTP status, else what the HTTP client threw. */
    static String reason(Throwable failure) {
        if (failure instanceof FailedExportException.HttpExportException http && http.failedWithResponse()) {
            return "HTTP " + http.getResponse().getStatusCode();
        }
        Throwable cause = failure instanceof FailedExportException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        if (cause == null) {
            return "export failed";
        }
        return cause.getMessage() == null
                ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
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
