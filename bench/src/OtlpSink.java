import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * An OTLP/HTTP collector for bench/run --tracing. By default it accepts every trace export and keeps nothing:
 * chat-proxy pays the whole cost of recording and exporting its spans, the collector none of the bench's CPU it can
 * avoid. With {@code split} as second argument it also decodes the spans and, on {@code GET /split}, prints where the
 * time of a conversation goes: for each span name, when it starts after the request's own span started and how long it
 * lasts (medians and p99 over the traces since the last {@code GET /split?reset}). Prints the bytes received when it
 * stops.
 */
public final class OtlpSink {
    private final Map<ByteString, List<Span>> traces = new HashMap<>();

    private OtlpSink() {
    }

    public static void main(String[] args) throws IOException {
        boolean split = args.length > 1 && args[1].equals("split");
        OtlpSink sink = new OtlpSink();
        AtomicLong bytes = new AtomicLong();
        AtomicLong exports = new AtomicLong();
        HttpServer server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 64);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                if (split) {
                    byte[] all = body.readAllBytes();
                    bytes.addAndGet(all.length);
                    sink.keep(ExportTraceServiceRequest.parseFrom(all));
                } else {
                    bytes.addAndGet(body.transferTo(OutputStream.nullOutputStream()));
                }
            }
            exports.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext("/split", exchange -> {
            byte[] text = sink.split("reset".equals(exchange.getRequestURI().getQuery()))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, text.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(text);
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println(
                "otlp sink: " + exports.get() + " exports, " + bytes.get() + " bytes")));
        server.start();
    }

    private synchronized void keep(ExportTraceServiceRequest request) {
        for (ResourceSpans resource : request.getResourceSpansList()) {
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (Span span : scope.getSpansList()) {
                    traces.computeIfAbsent(span.getTraceId(), id -> new ArrayList<>()).add(span);
                }
            }
        }
    }

    /** Start offset (from the root span's start) and duration of each span name, in microseconds. */
    private synchronized String split(boolean reset) {
        Map<String, List<long[]>> byName = new HashMap<>();
        int complete = 0;
        for (List<Span> spans : traces.values()) {
            Span root = spans.stream().filter(s -> s.getParentSpanId().isEmpty()).findFirst().orElse(null);
            if (root == null) {
                continue;
            }
            complete++;
            for (Span s : spans) {
                byName.computeIfAbsent(s.getName(), n -> new ArrayList<>()).add(new long[] {
                        s.getStartTimeUnixNano() - root.getStartTimeUnixNano(),
                        s.getEndTimeUnixNano() - s.getStartTimeUnixNano()});
            }
        }
        StringBuilder out = new StringBuilder(complete + " traces\nspan\tcount\tstart_p50_us\tdur_p50_us\tdur_p99_us\n");
        byName.entrySet().stream()
                .sorted(Comparator.comparingLong(e -> percentile(e.getValue(), 0, 50)))
                .forEach(e -> out.append(e.getKey()).append('\t').append(e.getValue().size()).append('\t')
                        .append(percentile(e.getValue(), 0, 50) / 1000).append('\t')
                        .append(percentile(e.getValue(), 1, 50) / 1000).append('\t')
                        .append(percentile(e.getValue(), 1, 99) / 1000).append('\n'));
        if (reset) {
            traces.clear();
        }
        return out.toString();
    }

    private static long percentile(List<long[]> values, int field, int p) {
        long[] sorted = values.stream().mapToLong(v -> v[field]).sorted().toArray();
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
