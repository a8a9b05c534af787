package io.chatproxy.tracing;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

/**
 * While the collector is down the log says so once (WARNING, with the reason), not with a SEVERE stack trace per
 * failed batch; when it answers again, once more (INFO, with the spans lost meanwhile).
 */
class CollectorOutageLogTest {
    private static final String REPORTER = ReportingSpanExporter.class.getName();
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (records) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger root = Logger.getLogger("");
    private FakeN8n n8n;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
        root.addHandler(capture);
    }

    @AfterEach
    void stop() {
        root.removeHandler(capture);
        n8n.close();
    }

    @Test
    void anOutageIsOneWarningAndTheRecoveryOneInfoWithoutStackTraces() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + port;
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n)
                .set("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "OTEL_BSP_SCHEDULE_DELAY", "20").map())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            for (int i = 0; i < 5; i++) {
                visitor.chat("while the collector is down " + i);
                Thread.sleep(50);
            }
            await(r -> r.getLoggerName().equals(REPORTER) && r.getLevel() == Level.WARNING);
            // more batches fail (each is retried by the exporter for a few seconds) before the collector is back
            long deadline = System.currentTimeMillis() + 30_000;
            while (droppedSpans(visitor) < 10 && System.currentTimeMillis() < deadline) {
                visitor.chat("still down");
                Thread.sleep(200);
            }

            try (OtlpReceiver collector = OtlpReceiver.start(port)) {
                visitor.chat("the collector is back");
                collector.awaitSpan(s -> s.getName().startsWith("POST"));
                await(r -> r.getLoggerName().equals(REPORTER) && r.getLevel() == Level.INFO);
            }
        }
        synchronized (records) {
            List<LogRecord> reports = records.stream().filter(r -> r.getLoggerName().equals(REPORTER)).toList();
            assertThat(reports, hasSize(2));
            assertThat(reports.get(0).getMessage(), containsString(endpoint));
            assertThat(reports.get(0).getMessage(), containsString("ConnectException"));
            assertThat(reports.get(0).getThrown() == null, is(true));
            assertThat(reports.get(1).getMessage(), containsString("again"));
            List<LogRecord> exporterNoise = records.stream()
                    .filter(r -> r.getLoggerName() != null && r.getLoggerName().startsWith("io.opentelemetry")
                            && r.getLevel().intValue() >= Level.WARNING.intValue())
                    .toList();
            assertThat(exporterNoise.stream().map(LogRecord::getMessage).toList(), is(empty()));
        }
    }

    private static long droppedSpans(Visitor visitor) {
        return visitor.get("/metrics").json().path("tracing").path("dropped_spans").asLong();
    }

    private void await(Predicate<LogRecord> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 40_000;
        while (System.currentTimeMillis() < deadline) {
            synchronized (records) {
                if (records.stream().anyMatch(condition)) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such log record");
    }
}
