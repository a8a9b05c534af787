package io.chatproxy.tracing;

import java.util.function.Supplier;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
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
    private static final AttributeKey<String> LINK = AttributeKey.stringKey("chat.link");

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
     * A child span for one Redis call (database client semantic conventions): named {@code <operation> <target>},
     * {@code db.system} redis, {@code db.operation}.
     *
     * @param operation the Redis command, e.g. {@code HGETALL}
     * @param target what it works on, e.g. {@code session}
     * @return the child, to close when the call returned
     */
    public static Child redis(String operation, String target) {
        return child(operation + " " + target).attribute("db.system", "redis").attribute("db.operation", operation);
    }

    /**
     * The {@code traceparent} of the span being served, to store with what it produces.
     *
     * @return its value, or "" when tracing is off or the trace is not sampled (a link to it would lead nowhere)
     */
    public static String currentTraceparent() {
        SpanContext context = Span.current().getSpanContext();
        return context.isValid() && context.isSampled() ? Traceparent.of(context) : "";
    }

    /**
     * Links the current span to another trace's span (OpenTelemetry span link), e.g. a resume to the request that
     * produced the answer.
     *
     * @param traceparent the other span's stored {@code traceparent}; nothing happens when it is empty or invalid
     * @param relation what the other span is to this one ({@code chat.link})
     */
    public static void link(String traceparent, String relation) {
        if (Context.current().get(TRACER) == null) {
            return;
        }
        Traceparent.parse(traceparent).ifPresent(
                context -> Span.current().addLink(context, Attributes.of(LINK, relation)));
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

        /** Sets a numeric attribute. */
        public Child attribute(String key, long value) {
            if (span != null) {
                span.setAttribute(key, value);
            }
            return this;
        }

        /**
         * Runs a call inside the span; a failure marks the span failed (its exception's simple name) and is rethrown.
         *
         * @param call the call
         * @param <T> its result
         * @return its result
         */
        public <T> T call(Supplier<T> call) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                error(e.getClass().getSimpleName());
                throw e;
            }
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
