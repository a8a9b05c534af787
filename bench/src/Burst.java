import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The capacity load test (issue 18): what a burst of real visitors does to a freshly started chat-proxy.
 *
 * <ul>
 * <li>{@code creates N}: N {@code POST /api/v1/session/create} released at the same instant; every one must get 201.
 * <li>{@code conversations N SPREAD}: N visitors arrive within SPREAD seconds; each creates its session and opens a
 * streaming conversation, as the widget does; every one must stream, with no error and no stall while they are all
 * held open, and the live heap per open stream is reported.
 * <li>{@code overload N}: N simultaneous creations against a server whose session admission is made small on purpose
 * (bench/run restarts it so): every request is answered, either 201 or 503 {@code server_busy} with
 * {@code Retry-After}, quickly and never by a timeout or a dropped connection.
 * </ul>
 * Each run appends a row to {@code burst.tsv} and exits with 1 when its expectation does not hold, so that CI can run
 * it in a short mode.
 */
final class Burst {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    /** One request's outcome. */
    record Outcome(int status, boolean retryAfter, long nanos, String error) {
        boolean created() {
            return status == 201;
        }

        boolean shed() {
            return status == 503 && retryAfter;
        }
    }

    public static void main(String[] args) throws Exception {
        LoadGen.Target target = Bench.targets().stream().filter(LoadGen.Target::sse).findFirst().orElseThrow();
        int count = Integer.parseInt(args[1]);
        boolean held = switch (args[0]) {
            case "creates" -> creates(target, count);
            case "conversations" -> conversations(target, count, Double.parseDouble(args[2]));
            case "overload" -> overload(target, count);
            default -> throw new IllegalArgumentException(args[0]);
        };
        System.exit(held ? 0 : 1);
    }

    // ------------------------------------------------------------------------------------------------ creates

    static boolean creates(LoadGen.Target t, int count) throws Exception {
        long t0 = System.nanoTime();
        List<Outcome> all = simultaneousCreates(t.port(), count);
        double secs = (System.nanoTime() - t0) / 1e9;
        Counts c = Counts.of(all);
        boolean held = c.created == count;
        row("creates", count, c, secs, "-", held ? "all 201" : "expected " + count + " x 201");
        return held;
    }

    static boolean overload(LoadGen.Target t, int count) throws Exception {
        long t0 = System.nanoTime();
        List<Outcome> all = simultaneousCreates(t.port(), count);
        double secs = (System.nanoTime() - t0) / 1e9;
        Counts c = Counts.of(all);
        // shedding works when the excess is refused with 503 + Retry-After and nothing times out or is dropped
        boolean held = c.created + c.shed == count && c.shed > 0 && c.timeouts == 0;
        row("overload", count, c, secs, "-", held ? "excess shed with 503 + Retry-After"
                : "expected only 201 and 503 + Retry-After, some 503");
        return held;
    }

    /** Sends {@code count} session creations from as many virtual threads, all released by one latch. */
    static List<Outcome> simultaneousCreates(int port, int count) throws Exception {
        HttpClient http = Bench.client();
        CountDownLatch ready = new CountDownLatch(count);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> futures = new ArrayList<>(count);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                futures.add(ex.submit(() -> {
                    ready.countDown();
                    go.await();
                    return create(http, port);
                }));
            }
            ready.await();
            go.countDown();
            List<Outcome> all = new ArrayList<>(count);
            for (Future<Outcome> f : futures) {
                all.add(f.get());
            }
            return all;
        }
    }

    static Outcome create(HttpClient http, int port) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/session/create")).timeout(CLIENT_TIMEOUT).header("Origin", Bench.ORIGIN)
                    .header("User-Agent", Bench.UA).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"origin_domain\":\"" + Bench.DOMAIN
                            + "\",\"page_url\":\"" + Bench.ORIGIN + "/page\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            String cookie = r.headers().firstValue("Set-Cookie").map(s -> s.substring(0, s.indexOf(';')))
                    .orElse(null);
            return new Outcome(r.statusCode(), r.headers().firstValue("Retry-After").isPresent(),
                    System.nanoTime() - t0, r.statusCode() == 201 ? cookie : r.body());
        } catch (HttpTimeoutException e) {
            return new Outcome(-1, false, System.nanoTime() - t0, "timeout");
        } catch (IOException e) {
            return new Outcome(-2, false, System.nanoTime() - t0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(-2, false, System.nanoTime() - t0, "interrupted");
        }
    }

    // ------------------------------------------------------------------------------------------------ conversations

    /**
     * {@code count} visitors arrive spread evenly over {@code spread} seconds; each one's session creation runs on a
     * virtual thread, and its conversation is opened on the load generator as soon as its cookie is there.
     */
    static boolean conversations(LoadGen.Target t, int count, double spread) throws Exception {
        int intervalMs = 5000; // one chunk every 5 s per stream while the streams are held
        Bench.Memory base = Bench.memory(t, 1, true);
        HttpClient http = Bench.client();
        ConcurrentLinkedQueue<Outcome> created = new ConcurrentLinkedQueue<>();
        LoadGen gen = new LoadGen();
        gen.issuing = true;
        gen.repeat = false;
        gen.expectedGapNanos = intervalMs * 1_000_000L;
        gen.stallNanos = 2L * intervalMs * 1_000_000L;
        String message = "bench 1000000 40 " + intervalMs;
        List<Outcome> failedCreates = new ArrayList<>();
        long t0 = System.nanoTime();
        long lastStart;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long at = t0 + (long) (spread * 1e9 * i / count);
                ex.submit(() -> {
                    Bench.sleep(Math.max(0, (at - System.nanoTime()) / 1_000_000));
                    created.add(create(http, t.port()));
                    return null;
                });
            }
            int seen = 0;
            long progressAt = System.nanoTime();
            int best = 0;
            while (true) {
                Outcome o;
                while ((o = created.poll()) != null) {
                    seen++;
                    if (o.created()) {
                        gen.add(t, LoadGen.request(t, message, o.error(), Bench.ORIGIN, Bench.UA));
                    } else {
                        failedCreates.add(o);
                    }
                }
                gen.runFor(2_000_000);
                int now = gen.streaming();
                if (now > best) {
                    best = now;
                    progressAt = System.nanoTime();
                }
                boolean allIn = seen == count && gen.streaming() + failedCreates.size() + closedWithoutChunk(gen) >= count;
                if (allIn || System.nanoTime() - progressAt > Bench.nanos(20)) {
                    break;
                }
            }
            lastStart = System.nanoTime();
        }
        double openSecs = (lastStart - t0) / 1e9;
        // hold them all: every chunk's lateness and any stall is recorded
        gen.stats.lateCount = 0;
        gen.stats.maxGapNanos = 0;
        gen.stats.accounting = true;
        gen.runFor(Bench.nanos(Bench.QUICK ? 6 : 12));
        gen.stats.accounting = false;
        int streaming = gen.streaming();
        int silent = gen.silentNow(System.nanoTime());
        Bench.Memory[] at = new Bench.Memory[1];
        Thread sampler = Thread.ofPlatform().daemon().start(() -> at[0] = Bench.memory(t, 1, true));
        while (sampler.isAlive()) {
            gen.runFor(20_000_000);
        }
        long perStreamKb = streaming == 0 ? 0 : (at[0].heapKb() - base.heapKb()) / streaming;
        Counts c = Counts.of(failedCreates);
        boolean held = streaming == count && gen.stats.errors == 0 && gen.stats.stalls == 0 && silent == 0;
        String detail = String.format(Locale.ROOT,
                "%d of %d streaming, %d failed creates %s, stream errors %d %s, stalls %d, heap %d -> %d KB, rss %d KB",
                streaming, count, failedCreates.size(), c.kinds, gen.stats.errors, gen.stats.errorKinds,
                gen.stats.stalls, base.heapKb(), at[0].heapKb(), at[0].rssKb());
        Counts streams = new Counts(streaming, 0, 0, (int) gen.stats.errors + failedCreates.size(), new long[0],
                c.kinds);
        row("conversations", count, streams, openSecs, Long.toString(perStreamKb), detail);
        gen.closeAll();
        return held;
    }

    private static int closedWithoutChunk(LoadGen gen) {
        int n = 0;
        for (LoadGen.Slot s : gen.slots) {
            if (s.closed && s.chunks == 0) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------ report

    /** Outcomes counted by kind, with the latency of the answered ones. */
    record Counts(int created, int shed, int timeouts, int other, long[] sortedNanos, Map<String, Integer> kinds) {
        static Counts of(List<Outcome> all) {
            int created = 0;
            int shed = 0;
            int timeouts = 0;
            int other = 0;
            Map<String, Integer> kinds = new TreeMap<>();
            long[] nanos = new long[all.size()];
            int i = 0;
            for (Outcome o : all) {
                nanos[i++] = o.nanos();
                if (o.created()) {
                    created++;
                } else if (o.shed()) {
                    shed++;
                } else if (o.status() == -1) {
                    timeouts++;
                } else {
                    other++;
                }
                kinds.merge(o.status() == -2 ? "io" : Integer.toString(o.status()), 1, Integer::sum);
            }
            Arrays.sort(nanos);
            return new Counts(created, shed, timeouts, other, nanos, kinds);
        }

        String p(double q) {
            return sortedNanos.length == 0 ? "-" : Bench.ms(Bench.pct(sortedNanos, q));
        }
    }

    static void row(String scenario, int count, Counts c, double secs, String perStreamKb, String verdict)
            throws IOException {
        Path out = Bench.RESULTS.resolve("burst.tsv");
        if (!Files.exists(out)) {
            Files.writeString(out, String.join("\t", "scenario", "count", "ok", "shed_503", "timeouts", "other",
                    "p50_ms", "max_ms", "seconds", "heap_per_stream_kb", "statuses", "verdict") + "\n");
        }
        String row = String.join("\t", scenario, Integer.toString(count), Integer.toString(c.created()),
                Integer.toString(c.shed()), Integer.toString(c.timeouts()), Integer.toString(c.other()), c.p(0.5),
                c.p(1.0), Bench.f1(secs), perStreamKb, c.kinds().toString(), verdict);
        Files.writeString(out, row + "\n", StandardOpenOption.APPEND);
        System.out.println("burst " + row.replace('\t', ' '));
    }
}
