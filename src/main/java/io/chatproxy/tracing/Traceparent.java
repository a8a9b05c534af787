package io.chatproxy.tracing;

import java.util.Optional;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * The one reader and writer of W3C {@code traceparent} values, tracing on or off: OpenTelemetry's
 * {@link W3CTraceContextPropagator} parses (lower-case hex only, version ff and all-zero ids refused, a version 00
 * header of exactly 55 characters, a later version cut to the fields version 00 knows), and a valid one is written
 * back as version 00, as the specification asks of a vendor that knows no later version.
 */
public final class Traceparent {
    private static final TextMapGetter<String> HEADER = new TextMapGetter<>() {
        @Override
        public String get(String value, String key) {
            return "traceparent".equals(key) ? value : null;
        }
    };

    private Traceparent() {
    }

    /**
     * Parses a header value.
     *
     * @param value the {@code traceparent} value, may be null
     * @return its span context, empty when invalid
     */
    public static Optional<SpanContext> parse(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        SpanContext context = Span.fromContext(
                W3CTraceContextPropagator.getInstance().extract(Context.root(), value, HEADER)).getSpanContext();
        return context.isValid() ? Optional.of(context) : Optional.empty();
    }

    /**
     * A header value as it may be passed on.
     *
     * @param value the {@code traceparent} value received
     * @return the same context written as version 00, or "" when invalid
     */
    public static String valid(String value) {
        return parse(value).map(Traceparent::of).orElse("");
    }

    /**
     * The {@code traceparent} value of a span context.
     *
     * @param context a valid span context
     * @return {@code 00-<trace id>-<span id>-<flags>}
     */
    public static String of(SpanContext context) {
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }
}
