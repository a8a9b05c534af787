package io.chatproxy.tracing;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * One SERVER span per request (HTTP semantic conventions), continuing the caller's valid {@code traceparent}; the
 * handlers' child spans ({@link Spans}) and the n8n client span hang below it. Its trace id is kept in the request
 * context for the access log.
 */
public final class TracingFilter implements Filter {
    private static final String TRACE_ID = "chat-proxy.trace-id";
    private static final TextMapGetter<RoutingRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public String get(RoutingRequest req, String key) {
            return req == null ? null : req.headers().first(HeaderNames.create(key)).orElse(null);
        }
    };
    private final Tracer tracer;

    /**
     * Creates the filter.
     *
     * @param tracing enabled tracing
     */
    public TracingFilter(Tracing tracing) {
        this.tracer = tracing.tracer();
    }

    @Override
    @SuppressWarnings("try") // the scope makes the span current for the handlers
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String method = req.prologue().method().text();
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), req, HEADERS);
        Span span = tracer.spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", req.path().rawPath())
                .startSpan();
        req.context().register(TRACE_ID, span.getSpanContext().getTraceId());
        int status = 0;
        String errorType = null;
        try (Scope scope = parent.with(span).with(Spans.TRACER, tracer).makeCurrent()) {
            chain.proceed();
            status = res.status().code();
        } catch (RuntimeException e) {
            status = 500;
            errorType = e.getClass().getName();
            throw e;
        } finally {
            span.setAttribute("http.response.status_code", status);
            if (errorType != null) {
                span.setAttribute("error.type", errorType);
            }
            // error.type of an answered error is its JSON code, set by ErrorResponses through Spans.errorCode
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            req.matchingPattern().ifPresent(route -> {
                span.setAttribute("http.route", route);
                span.updateName(method + " " + route);
            });
            span.end();
        }
    }

    /**
     * The trace id of a request, for logs.
     *
     * @param req request
     * @return its trace id, or "-" when tracing is off
     */
    public static String traceId(ServerRequest req) {
        return req.context().get(TRACE_ID, String.class).orElse("-");
    }
}
