package io.chatproxy.tracing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/** A real OTLP/HTTP trace receiver: collects the spans POSTed (protobuf) to {@code /v1/traces}. */
final class OtlpReceiver implements AutoCloseable {
    private final HttpServer server;
    private final List<Span> spans = new ArrayList<>();
    private final List<String> serviceNames = new ArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
        server.createContext("/v1/traces", this::receive);
        server.start();
    }

    static OtlpReceiver start() {
        return start(0);
    }

    /** A receiver on a given port (0: any free one). */
    static OtlpReceiver start(int port) {
        try {
            return new OtlpReceiver(HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base endpoint, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} takes it. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void receive(HttpExchange exchange) throws IOException {
        try {
            collect(exchange);
        } catch (IOException | RuntimeException | Error e) {
            e.printStackTrace();
            throw e;
        }
    }

    private void collect(HttpExchange exchange) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.readAllBytes());
            synchronized (spans) {
                for (ResourceSpans resource : request.getResourceSpansList()) {
                    resource.getResource().getAttributesList().stream()
                            .filter(a -> a.getKey().equals("service.name"))
                            .forEach(a -> serviceNames.add(a.getValue().getStringValue()));
                    for (ScopeSpans scope : resource.getScopeSpansList()) {
                        spans.addAll(scope.getSpansList());
                    }
                }
            }
        }
        exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, 0);
        exchange.close();
    }

    /** Waits (up to 10 s) until a span matching the condition arrived, and returns all spans then. */
    List<Span> awaitSpan(Predicate<Span> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            synchronized (spans) {
                if (spans.stream().anyMatch(condition)) {
                    return List.copyOf(spans);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such span arrived; got " + names());
    }

    List<String> serviceNames() {
        synchronized (spans) {
            return List.copyOf(serviceNames);
        }
    }

    private List<String> names() {
        synchronized (spans) {
            return spans.stream().map(Span::getName).toList();
        }
    }

    static String hex(ByteString id) {
        return HexFormat.of().formatHex(id.toByteArray());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
