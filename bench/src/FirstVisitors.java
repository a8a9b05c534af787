import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A freshly started chat-proxy (issue 25, item 5), driven by {@code bench/first-visitors}: the time from process start
 * to {@code /observe/health/ready}, then the first conversations after it, one at a time, each on a new session (a
 * first visitor), with the time to the first chunk of each.
 * <ul>
 * <li>{@code direct <port> <n> <out.tsv>}: the anchor, n conversations straight to the fake n8n;</li>
 * <li>{@code run <label> <port> <n> <launcher> <out.tsv>}: starts the launcher (a script that execs chat-proxy),
 * times it to ready, runs n conversations, stops it with SIGTERM.</li>
 * </ul>
 * One row per run in the TSV: start to ready, session create p50/p99, first chunk p50/p99 over all n and over the
 * first and last tenth.
 */
public final class FirstVisitors {
    private static final String MESSAGE = "bench 5 40 1";

    private FirstVisitors() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "direct" -> direct(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
            case "run" -> run(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4],
                    Path.of(args[5]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void direct(int port, int n, Path out) throws IOException {
        LoadGen.Target t = new LoadGen.Target("direct", "direct", port, false, "/webhook/chat", new long[0]);
        long[] ttfc = conversations(t, n, null);
        row(out, "direct", Double.NaN, new long[0], ttfc);
    }

    static void run(String label, int port, int n, String launcher, Path out) throws Exception {
        HttpClient http = Bench.client();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(launcher).inheritIO().start();
        try {
            long ready = awaitReady(http, port, p) - t0;
            LoadGen.Target t = new LoadGen.Target(label, label, port, true, "/api/v1/chat/stream",
                    new long[] {p.pid()});
            long[] creates = new long[n];
            long[] ttfc = new long[n];
            for (int i = 0; i < n; i++) { // a first visitor: a new session, then one conversation
                long c0 = System.nanoTime();
                String cookie = createSession(http, port);
                creates[i] = System.nanoTime() - c0;
                ttfc[i] = conversations(t, 1, cookie)[0];
            }
            row(out, label, ready / 1e6, creates, ttfc);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Conversations one after another on one connection; their times to first chunk in order. */
    static long[] conversations(LoadGen.Target t, int n, String cookie) throws IOException {
        LoadGen gen = new LoadGen();
        gen.expectedChunks = 5;
        gen.issuing = true;
        gen.stats.measureStart = System.nanoTime();
        gen.stats.measuring = true;
        gen.add(t, LoadGen.request(t, MESSAGE, cookie, Bench.ORIGIN, Bench.UA));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (gen.stats.ttfcCount < n && gen.stats.errors == 0 && System.nanoTime() < deadline) {
            gen.selectOnce(5);
        }
        gen.issuing = false;
        gen.drain(TimeUnit.SECONDS.toNanos(5));
        gen.closeAll();
        if (gen.stats.errors > 0 || gen.stats.ttfcCount < n) {
            throw new IllegalStateException(t.name() + ": " + gen.stats.ttfcCount + " of " + n + " conversations, "
                    + gen.stats.errorKinds + " " + gen.stats.firstError);
        }
        return Arrays.copyOf(gen.stats.ttfc, n);
    }

    static long awaitReady(HttpClient http, int port, Process p) throws Exception {
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("chat-proxy exited with " + p.exitValue());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2) {
                    return System.nanoTime();
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("not ready within 60 s");
    }

    static void row(Path out, String label, double readyMs, long[] creates, long[] ttfc) throws IOException {
        if (!Files.exists(out)) {
            Files.writeString(out, String.join("\t", "variant", "ready_ms", "create_p50_ms", "create_p99_ms",
                    "ttfc_p50_ms", "ttfc_p99_ms", "first_tenth_p50_ms", "last_tenth_p50_ms") + "\n");
        }
        int tenth = Math.max(1, ttfc.length / 10);
        String line = String.join("\t", label, Bench.f1(readyMs), p(creates, 0.5), p(creates, 0.99), p(ttfc, 0.5),
                p(ttfc, 0.99), p(Arrays.copyOf(ttfc, tenth), 0.5),
                p(Arrays.copyOfRange(ttfc, ttfc.length - tenth, ttfc.length), 0.5));
        Files.writeString(out, line + "\n", StandardOpenOption.APPEND);
        System.out.println(line.replace('\t', ' '));
    }

    static String p(long[] values, double q) {
        long[] s = values.clone();
        Arrays.sort(s);
        return Bench.ms(Bench.pct(s, q));
    }

    static String createSession(HttpClient http, int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/session/create")).header("Origin", Bench.ORIGIN).header("User-Agent", Bench.UA)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"origin_domain\":\"" + Bench.DOMAIN
                        + "\",\"page_url\":\"" + Bench.ORIGIN + "/page\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("session/create: " + r.statusCode() + " " + r.body());
        }
        String set = r.headers().firstValue("Set-Cookie").orElseThrow();
        return set.substring(0, set.indexOf(';'));
    }
}
