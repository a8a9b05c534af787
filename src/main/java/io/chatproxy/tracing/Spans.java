package io.chatproxy.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;

/**
 * A child span of the request being served, in one line where the work happens:
 * {@code try (Spans.Child span = Spans.child("session.authenticate")) { ... }}. The tracer travels in the request's
 * OpenTelemetry context (put there by {@link TracingFilter}), so no class needs it injected; with tracing off the
 * context has none and a child costs one thread-local read.
 */
public final class Spans {
    static final ContextKey<Tracer> TRACER = ContextKey.named("chat-proxy.tracer");
    private static final Child NONE = new Child(null, null);

    private Spans() {
    }

    /**
     * Starts a child of the current span and makes it current.
     *
     * @param name span name
     * @return the child, to close when its work is done
     */
    @SuppressWarnings("MustBeClosedChecker") // the scope is closed by Child.close, which callers use in a try
    public static Child child(String name) {
        Tracer tracer = Context.current().get(TRACER);
        if (tracer == null) {
            return NONE;
        }
        Span span = tracer.spanBuilder(name).startSpan();
        return new Child(span, span.makeCurrent());
    }

    /**
     * Records the error code a response carries ({@code error.type}) on the current span.
     *
     * @param code the JSON error code
     */
    public static void errorCode(String code) {
        Span.current().setAttribute("error.type", code);
    }

    /** A running child span; every method does nothing when tracing is off. */
    public static final class Child implements AutoCloseable {
        private final Span span;
        private final Scope scope;

        Child(Span span, Scope scope) {
            this.span = span;
            this.scope = scope;
        }

        /** Sets an attribute. */
        public Child attribute(String key, String value) {
            if (span != null) {
                span.setAttribute(key, value);
            }
            return this;
        }

        /** Marks the span failed with a code ({@code error.type}). */
        public Child error(String code) {
            if (span != null) {
                span.setStatus(StatusCode.ERROR, code);
                span.setAttribute("error.type", code);
            }
            return this;
        }

        @Override
        public void close() {
            if (span != null) {
                scope.close();
                span.end();
            }
        }
    }
}
