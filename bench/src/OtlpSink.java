import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

/**
 * An OTLP/HTTP collector that accepts every trace export and keeps nothing (bench/run --tracing): chat-proxy pays
 * the whole cost of recording and exporting its spans, the collector none of the bench's CPU it can avoid.
 * Prints the bytes received when it stops.
 */
public final class OtlpSink {
    private OtlpSink() {
    }

    public static void main(String[] args) throws IOException {
        AtomicLong bytes = new AtomicLong();
        AtomicLong exports = new AtomicLong();
        HttpServer server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 64);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                bytes.addAndGet(body.transferTo(OutputStreamSink.INSTANCE));
            }
            exports.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println(
                "otlp sink: " + exports.get() + " exports, " + bytes.get() + " bytes")));
        server.start();
    }

    /** Discards what it is given. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
