package io.chatproxy.tracing;

import java.util.Locale;
import java.util.Optional;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

import io.chatproxy.upstream.AnswerEvent;
import io.chatproxy.upstream.AnswerStream;
import io.chatproxy.upstream.Upstream;
import io.chatproxy.upstream.UpstreamException;
import io.chatproxy.upstream.UpstreamRequest;

/**
 * The n8n call as a CLIENT span, from the request until the answer's end: n8n receives this span's
 * {@code traceparent}, so n8n's own spans hang below it and its time stands apart from chat-proxy's. Events mark the
 * first chunk and the end (with the chunk count).
 */
public final class TracedUpstream implements Upstream {
    private static final AttributeKey<Long> CHUNKS = AttributeKey.longKey("chat.chunks");
    private final Upstream delegate;
    private final Tracer tracer;

    /**
     * Wraps an upstream.
     *
     * @param delegate the real upstream
     * @param tracing enabled tracing
     */
    public TracedUpstream(Upstream delegate, Tracing tracing) {
        this.delegate = delegate;
        this.tracer = tracing.tracer();
    }

    @Override
    @SuppressWarnings("try") // the scope makes the span current while n8n is called
    public AnswerStream open(UpstreamRequest request) {
        Span span = tracer.spanBuilder("POST n8n")
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", "POST")
                .setAttribute("peer.service", "n8n")
                .startSpan();
        try (Scope scope = span.makeCurrent()) {
            return new TracedStream(delegate.open(request.withTraceparent(Traceparent.of(span.getSpanContext()))),
                    span);
        } catch (UpstreamException e) {
            fail(span, e.kind().name().toLowerCase(Locale.ROOT));
            e.status().ifPresent(status -> span.setAttribute("http.response.status_code", status));
            span.end();
            throw e;
        } catch (RuntimeException e) {
            fail(span, e.getClass().getName());
            span.end();
            throw e;
        }
    }

    @Override
    public String description() {
        return delegate.description();
    }

    private static void fail(Span span, String code) {
        span.setStatus(StatusCode.ERROR, code);
        span.setAttribute("error.type", code);
    }

    private static final class TracedStream implements AnswerStream {
        private final AnswerStream delegate;
        private final Span span;
        private long chunks;
        private boolean ended;

        TracedStream(AnswerStream delegate, Span span) {
            this.delegate = delegate;
            this.span = span;
        }

        @Override
        public Optional<AnswerEvent> next() {
            Optional<AnswerEvent> event;
            try {
                event = delegate.next();
            } catch (UpstreamException e) {
                fail(span, e.kind().name().toLowerCase(Locale.ROOT));
                throw e;
            }
            if (event.isEmpty()) {
                span.addEvent("end", Attributes.of(CHUNKS, chunks));
            } else {
                seen(event.get());
            }
            return event;
        }

        @Override
        public Optional<AnswerEvent> poll() {
            Optional<AnswerEvent> event = delegate.poll();
            event.ifPresent(this::seen);
            return event;
        }

        private void seen(AnswerEvent event) {
            if (event instanceof AnswerEvent.Text) {
                if (chunks++ == 0) {
                    span.addEvent("first_chunk");
                }
            } else if (event instanceof AnswerEvent.Failure failure) {
                fail(span, failure.code());
            }
        }

        @Override
        public void close() {
            try {
                delegate.close();
            } finally {
                if (!ended) {
                    ended = true;
                    span.end();
                }
            }
        }
    }
}
