import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark driver. {@code bench/run} starts the parties and calls one phase at a time:
 * <ul>
 * <li>{@code latency}: time to first chunk and relay throughput, every scenario against every path, targets
 * interleaved within each repetition, after an excluded warm-up pass;</li>
 * <li>{@code streams}: open streams held at increasing levels, with heap, RSS and threads at each;</li>
 * <li>{@code wrk}: requests/s of the session and history endpoints and of a trivial endpoint, with wrk;</li>
 * <li>{@code profile}: one saturated run against chat-proxy with a JFR recording, summarised with {@code jfr view}.</li>
 * </ul>
 * Settings come as system properties {@code bench.*} (see bench/run). Results are appended to TSV files in
 * {@code bench.results}.
 */
public final class Bench {
    static final String ORIGIN = "http://bench.local";
    static final String DOMAIN = "bench.local";
    static final String UA = "chat-proxy-bench/1.0";

    static final boolean QUICK = Boolean.getBoolean("bench.quick");
    static final Path RESULTS = Path.of(System.getProperty("bench.results", "bench/results/raw"));

    /** A load: slots (connections) running conversations in a closed loop, first starts spread over {@code spread}. */
    record Scenario(String id, String title, int slots, String message, int expected, double ramp, double measure,
            double drain, double spread) {
        Scenario(String id, String title, int slots, String message, int expected, double ramp, double measure,
                double drain) {
            this(id, title, slots, message, expected, ramp, measure, drain, 0);
        }

        Scenario shorter(double newRamp, double newMeasure) {
            return new Scenario(id, title, slots, message, expected, Math.max(newRamp, spread), newMeasure, drain,
                    spread);
        }
    }

    /** Scenarios the extra TCP_NODELAY variant of chat-proxy runs. */
    static final List<String> NODELAY_SCENARIOS = List.of("ttfc1", "paced200", "closed200");

    public static void main(String[] args) throws Exception {
        Files.createDirectories(RESULTS);
        switch (args[0]) {
            case "latency" -> latency();
            case "streams" -> streams();
            case "wrk" -> wrk();
            case "profile" -> profile();
            case "one" -> one(args[1]); // a single scenario against the selected targets, printed only
            case "sessions" -> System.out.println(createSessions(Integer.parseInt(args[1]), 1).get(0));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    // ------------------------------------------------------------------------------------------------ targets

    static List<LoadGen.Target> targets() {
        List<LoadGen.Target> all = new ArrayList<>();
        all.add(new LoadGen.Target("direct", "(a) direct", port("direct"), false, "/webhook/chat", new long[0]));
        all.add(new LoadGen.Target("nginx", "(b) nginx", port("nginx"), false, "/webhook/chat", pids("nginx")));
        all.add(new LoadGen.Target("proxy-pg", "(c) chat-proxy PG+Redis", port("pg"), true, "/api/v1/chat/stream",
                pids("pg")));
        all.add(new LoadGen.Target("proxy-emb", "(d) chat-proxy embedded", port("emb"), true, "/api/v1/chat/stream",
                pids("emb")));
        if (System.getProperty("bench.port.nd") != null) {
            all.add(new LoadGen.Target("proxy-pg-nd", "(c') chat-proxy PG+Redis, server TCP_NODELAY", port("nd"), true,
                    "/api/v1/chat/stream", pids("nd")));
        }
        String only = System.getProperty("bench.targets", "");
        if (!only.isBlank()) {
            List<String> keep = Arrays.asList(only.split(","));
            all.removeIf(t -> !keep.contains(t.name()));
        }
        return all;
    }

    static int port(String name) {
        return Integer.parseInt(System.getProperty("bench.port." + name));
    }

    static long[] pids(String name) {
        String v = System.getProperty("bench.pids." + name, "");
        return v.isBlank() ? new long[0] : Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
    }

    // ------------------------------------------------------------------------------------------------ latency

    static List<Scenario> scenarios() {
        if (QUICK) { // small counts: shorter answers and windows
            return List.of(
                    new Scenario("ttfc1", "1 conversation", 1, "bench 5 40 1", 5, 0.5, 2, 5),
                    new Scenario("paced200", "200 paced conversations (chunks 20 ms apart)", 200, "bench 50 40 20",
                            50, 1.2, 2, 5, 1),
                    new Scenario("closed200", "200 closed-loop conversations", 200, "bench 10 40 0", 10, 1, 2, 10),
                    new Scenario("thr1", "throughput, 1 stream", 1, "bench 2000 40 0", 2000, 0.5, 1.5, 10),
                    new Scenario("thr50", "throughput, 50 streams", 50, "bench 200 64 0", 200, 0.5, 1.5, 10),
                    new Scenario("thr200", "throughput, 200 streams", 200, "bench 200 40 0", 200, 1, 2, 20));
        }
        return List.of(
                new Scenario("ttfc1", "1 conversation", 1, "bench 5 40 1", 5, 1, 6, 5),
                // 3-s answers, starts spread evenly: about 67 conversations/s and 10,000 chunks/s
                new Scenario("paced200", "200 paced conversations (chunks 20 ms apart)", 200, "bench 150 40 20", 150,
                        3.5, 6, 10, 3),
                new Scenario("closed200", "200 closed-loop conversations", 200, "bench 10 40 0", 10, 2, 5, 10),
                new Scenario("thr1", "throughput, 1 stream", 1, "bench 2000 40 0", 2000, 1, 4, 10),
                // issue 25's CPU-per-chunk figure: 50 streams of 200 × 64-byte chunks
                new Scenario("thr50", "throughput, 50 streams", 50, "bench 200 64 0", 200, 1, 4, 10),
                new Scenario("thr200", "throughput, 200 streams", 200, "bench 500 40 0", 500, 2, 5, 20));
    }

    /** Whether a target runs a scenario: the TCP_NODELAY variant only where latency is the point. */
    static boolean runs(LoadGen.Target t, Scenario s) {
        if (!t.name().equals("proxy-pg-nd")) {
            return true;
        }
        return QUICK ? s.id().equals("ttfc1") : NODELAY_SCENARIOS.contains(s.id());
    }

    static void latency() throws Exception {
        List<LoadGen.Target> targets = targets();
        int reps = Integer.getInteger("bench.reps", QUICK ? 1 : 3);
        Map<String, List<String>> cookies = new java.util.HashMap<>();
        for (LoadGen.Target t : targets) {
            if (t.sse()) {
                cookies.put(t.name(), createSessions(t.port(), 200));
            }
        }
        Path out = RESULTS.resolve("latency.tsv");
        if (!Files.exists(out)) {
            Files.writeString(out, String.join("\t", "rep", "scenario", "target", "conversations", "ttfc_p50_ms",
                    "ttfc_p90_ms", "ttfc_p99_ms", "ttfc_p999_ms", "ttfc_max_ms", "chunks_per_s", "mb_per_s",
                    "errors", "unfinished", "cpu_proxy_pct", "cpu_fake_pct", "cpu_loadgen_pct", "cpu_pg_pct",
                    "cpu_redis_pct", "cpu_total_pct", "cpu_other_pct", "proxy_us_per_chunk", "window_s", "ttfb_p50_ms",
                    "ttfb_p99_ms", "error_kinds", "cpu_proxy_jit_pct")
                    + "\n");
        }
        // warm-up, not recorded: every scenario against every target, three passes (quick mode: one pass, the
        // proxies only), so that the JIT compiler has compiled the hot paths (its threads' CPU is reported apart)
        for (int pass = 0; pass < (QUICK ? 1 : 3); pass++) {
            for (Scenario s : scenarios()) {
                for (LoadGen.Target t : targets) {
                    if (!runs(t, s) || QUICK && !t.sse()) {
                        continue;
                    }
                    Scenario w = s.shorter(QUICK ? 0.3 : 0.5, QUICK ? 1 : 1.5);
                    String row = run(w, t, cookies.get(t.name()), "warmup");
                    System.out.println("warm-up " + row.replace('\t', ' '));
                }
            }
        }
        for (int rep = 1; rep <= reps; rep++) {
            for (Scenario s : scenarios()) {
                for (int i = 0; i < targets.size(); i++) {
                    LoadGen.Target t = targets.get((i + rep - 1) % targets.size());
                    if (!runs(t, s)) {
                        continue;
                    }
                    String row = run(s, t, cookies.get(t.name()), Integer.toString(rep));
                    Files.writeString(out, row + "\n", StandardOpenOption.APPEND);
                    System.out.println(row.replace('\t', ' '));
                }
            }
        }
    }

    static void one(String id) throws Exception {
        Scenario s = scenarios().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
        for (LoadGen.Target t : targets()) {
            List<String> cookies = t.sse() ? createSessions(t.port(), Math.min(200, s.slots())) : null;
            System.out.println(run(s, t, cookies, "one").replace('\t', ' '));
        }
    }

    static String run(Scenario s, LoadGen.Target t, List<String> cookies, String rep) throws IOException {
        String split = spanSplit(true);
        LoadGen gen = new LoadGen();
        gen.expectedChunks = s.expected();
        gen.issuing = true;
        for (int i = 0; i < s.slots(); i++) {
            String cookie = cookies == null ? null : cookies.get(i % cookies.size());
            gen.add(t, LoadGen.request(t, s.message(), cookie, ORIGIN, UA), nanos(s.spread() * i / s.slots()));
        }
        gen.runFor(nanos(s.ramp()));
        Cpu.Snapshot before = Cpu.snapshot(t.pids());
        gen.stats.measureStart = System.nanoTime();
        gen.stats.measuring = true;
        gen.runFor(nanos(s.measure()));
        gen.stats.measuring = false;
        gen.stats.measureEnd = System.nanoTime();
        Cpu.Snapshot after = Cpu.snapshot(t.pids());
        gen.issuing = false;
        gen.stats.unfinished = gen.drain(nanos(s.drain()));
        gen.closeAll();
        sleep(300);
        LoadGen.Stats st = gen.stats;
        double secs = (st.measureEnd - st.measureStart) / 1e9;
        long[] v = st.ttfcSorted();
        long[] b = st.ttfbSorted();
        Cpu.Usage u = Cpu.usage(before, after);
        split = spanSplit(false);
        if (split != null && t.pids().length > 0 && !rep.equals("warmup")) {
            Files.writeString(RESULTS.resolve("spans-" + t.name() + "-" + s.id() + "-" + rep + ".tsv"), split);
            System.out.println("span split, " + t.name() + " " + s.id() + ":\n" + split);
        }
        double usPerChunk = t.pids().length == 0 || st.chunksInWindow == 0 ? Double.NaN
                : u.proxyTicks() * 10_000.0 / st.chunksInWindow;
        return String.join("\t", rep, s.id(), t.name(), Long.toString(st.conversations),
                ms(pct(v, 0.50)), ms(pct(v, 0.90)), ms(pct(v, 0.99)), ms(pct(v, 0.999)), ms(pct(v, 1.0)),
                f1(st.chunksInWindow / secs), f3(st.bytesInWindow / secs / 1e6), Long.toString(st.errors),
                Long.toString(st.unfinished), f1(u.proxyPct()), f1(u.fakePct()), f1(u.selfPct()), f1(u.pgPct()),
                f1(u.redisPct()), f1(u.totalPct()), f1(u.otherPct()), f2(usPerChunk), f3(secs),
                ms(pct(b, 0.50)), ms(pct(b, 0.99)), st.errorKinds.isEmpty() ? "-" : st.errorKinds + " " + st.firstError,
                f1(u.jitPct()));
    }

    /**
     * With bench/run --tracing=split: where the time of a conversation goes, from the OTLP sink (see OtlpSink);
     * {@code reset} starts a new count. Null without it.
     */
    static String spanSplit(boolean reset) {
        String port = System.getProperty("bench.otlpSplit");
        if (port == null) {
            return null;
        }
        try {
            sleep(reset ? 0 : 1500); // the batch span processor exports every second
            return client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/split"
                    + (reset ? "?reset" : ""))).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            return "no split: " + e;
        }
    }

    // ------------------------------------------------------------------------------------------------ streams

    static void streams() throws Exception {
        int[] levels = Arrays.stream(System.getProperty("bench.levels", QUICK ? "200,1000"
                : "1000,3000,5000,7000,8000,9000").split(",")).mapToInt(Integer::parseInt).toArray();
        double[] holds = Arrays.stream(System.getProperty("bench.holds", QUICK ? "3,5" : "8,8,10,10,10,60")
                .split(",")).mapToDouble(Double::parseDouble).toArray();
        int samples = QUICK ? 1 : 3;
        int interval = Integer.getInteger("bench.streamIntervalMs", 5000);
        String suffix = System.getProperty("bench.streamSuffix", "");
        Path out = RESULTS.resolve("streams.tsv");
        if (!Files.exists(out)) {
            Files.writeString(out, String.join("\t", "target", "level", "streaming", "errors", "stalls",
                    "silent_now", "late_p50_ms", "late_p99_ms", "late_max_ms", "pings", "chunks", "open_s",
                    "heap_used_kb", "heap_min_kb", "heap_max_kb", "rss_kb", "rss_min_kb", "rss_max_kb", "threads",
                    "cpu_proxy_pct", "cpu_fake_pct", "cpu_loadgen_pct", "cpu_total_pct", "error_kinds") + "\n");
        }
        for (LoadGen.Target t : targets()) {
            String name = t.name() + (t.sse() ? suffix : "");
            int max = levels[levels.length - 1];
            List<String> cookies = null;
            if (t.sse()) {
                long c0 = System.nanoTime();
                cookies = createSessions(t.port(), max);
                System.out.printf(Locale.ROOT, "%s: %d sessions in %.1f s%n", name, max,
                        (System.nanoTime() - c0) / 1e9);
                // warm-up before the baseline: short conversations
                run(new Scenario("warm", "warm", 50, "bench 5 40 0", 5, 0.5, 3, 5), t, cookies, "warm");
            }
            Memory base = memory(t, samples, true);
            histogram(t, name, 0);
            Files.writeString(out, String.join("\t", name, "0", "0", "0", "0", "0", "-", "-", "-", "0", "0",
                    "0", base.row(), "-", "-", "-", "-", "-") + "\n", StandardOpenOption.APPEND);
            System.out.println(name + " baseline " + base.row().replace('\t', ' '));
            LoadGen gen = new LoadGen();
            gen.issuing = true;
            gen.repeat = false;
            gen.expectedGapNanos = interval * 1_000_000L;
            gen.stallNanos = 2L * interval * 1_000_000L;
            String message = "bench 1000000 40 " + interval;
            for (int li = 0; li < levels.length; li++) {
                int level = levels[li];
                long open0 = System.nanoTime();
                long progressAt = open0;
                int best = gen.streaming();
                boolean gaveUp = false;
                while (true) {
                    int pending = 0;
                    for (LoadGen.Slot s : gen.slots) {
                        if (!s.closed && s.chunks == 0) {
                            pending++;
                        }
                    }
                    if (gen.slots.size() >= level && pending == 0) {
                        break;
                    }
                    int room = Math.min(100 - pending, level - gen.slots.size());
                    for (int k = 0; k < room; k++) {
                        int idx = gen.slots.size();
                        String cookie = cookies == null ? null : cookies.get(idx);
                        gen.add(t, LoadGen.request(t, message, cookie, ORIGIN, UA));
                    }
                    gen.runFor(2_000_000);
                    int now = gen.streaming();
                    if (now > best) {
                        best = now;
                        progressAt = System.nanoTime();
                    } else if (System.nanoTime() - progressAt > nanos(20)) {
                        System.out.println(name + ": no new stream for 20 s, gave up opening at " + now);
                        gaveUp = true;
                        break;
                    }
                }
                double openSecs = (System.nanoTime() - open0) / 1e9;
                // hold: every chunk's lateness and any stall is recorded
                Arrays.fill(gen.stats.lateMs, 0);
                gen.stats.lateCount = 0;
                gen.stats.maxGapNanos = 0;
                long pings0 = gen.stats.pings;
                long chunks0 = gen.stats.chunksTotal;
                Cpu.Snapshot c0 = Cpu.snapshot(t.pids());
                gen.stats.accounting = true;
                double hold = holds[Math.min(li, holds.length - 1)];
                if (gaveUp) {
                    hold = Math.min(hold, 10);
                } else if (!t.sse() && li < levels.length - 1) {
                    hold = Math.min(hold, 5); // nginx: short holds on the way up, the full hold at the top
                } else if (!t.sse()) {
                    hold = Math.min(hold, 30);
                }
                gen.runFor(nanos(hold));
                gen.stats.accounting = false;
                Cpu.Usage cpu = Cpu.usage(c0, Cpu.snapshot(t.pids()));
                int silent = gen.silentNow(System.nanoTime());
                int streaming = gen.streaming();
                // memory while the streams stay open (on another thread: the loop keeps reading)
                boolean fullGc = !gaveUp;
                CompletableFuture<Memory> mem = CompletableFuture.supplyAsync(() -> {
                    Memory mm = memory(t, fullGc ? samples : 1, fullGc);
                    if (fullGc) {
                        histogram(t, name, level);
                    }
                    return mm;
                }, runnable -> Thread.ofPlatform().daemon().start(runnable));
                while (!mem.isDone()) {
                    gen.runFor(20_000_000);
                }
                Memory m = mem.get();
                LoadGen.Stats st = gen.stats;
                String row = String.join("\t", name, Integer.toString(level), Integer.toString(streaming),
                        Long.toString(st.errors), Long.toString(st.stalls), Integer.toString(silent),
                        lateP(st, 0.5), lateP(st, 0.99), Long.toString(st.maxGapNanos == 0 ? 0
                                : Math.max(0, (st.maxGapNanos - gen.expectedGapNanos) / 1_000_000)),
                        Long.toString(st.pings - pings0), Long.toString(st.chunksTotal - chunks0), f1(openSecs),
                        m.row(), f1(cpu.proxyPct()), f1(cpu.fakePct()), f1(cpu.selfPct()), f1(cpu.totalPct()),
                        st.errorKinds.isEmpty() ? "-" : st.errorKinds + " " + st.firstError);
                Files.writeString(out, row + "\n", StandardOpenOption.APPEND);
                System.out.println(row.replace('\t', ' '));
                if (gaveUp || streaming < level * 0.9) {
                    System.out.println(name + ": " + streaming + " of " + level + " streams alive, stopping here");
                    break;
                }
            }
            gen.closeAll();
            sleep(3000);
        }
    }

    /** The top of a Java target's class histogram (a full GC), kept to see what the heap holds. */
    static void histogram(LoadGen.Target t, String name, int level) {
        if (!t.sse()) {
            return;
        }
        String histo = jcmd(t.pids()[0], "GC.class_histogram");
        if (Boolean.getBoolean("bench.heapDumps")) { // for development: bench/run --keep, then read the .hprof
            jcmd(t.pids()[0], "GC.heap_dump", RESULTS.resolve("heap-" + name + "-" + level + ".hprof").toString());
        }
        try {
            Files.writeString(RESULTS.resolve("histogram-" + name + "-" + level + ".txt"),
                    String.join("\n", histo.lines().limit(40).toList()) + "\n");
        } catch (IOException e) {
            // not essential
        }
    }

    static String lateP(LoadGen.Stats st, double p) {
        if (st.lateCount == 0) {
            return "-";
        }
        long rank = (long) Math.ceil(p * st.lateCount);
        long seen = 0;
        for (int i = 0; i < st.lateMs.length; i++) {
            seen += st.lateMs[i];
            if (seen >= rank) {
                return Integer.toString(i);
            }
        }
        return "-";
    }

    /** Heap (after a full GC), RSS and OS threads; median and range of n samples. */
    record Memory(long heapKb, long heapMin, long heapMax, long rssKb, long rssMin, long rssMax, long threads) {
        String row() {
            return String.join("\t", heapKb < 0 ? "-" : Long.toString(heapKb), heapKb < 0 ? "-" : Long.toString(
                    heapMin), heapKb < 0 ? "-" : Long.toString(heapMax), Long.toString(rssKb), Long.toString(rssMin),
                    Long.toString(rssMax), Long.toString(threads));
        }
    }

    static Memory memory(LoadGen.Target t, int samples, boolean fullGc) {
        long[] heap = new long[samples];
        long[] rss = new long[samples];
        long threads = 0;
        boolean java = t.sse();
        for (int i = 0; i < samples; i++) {
            if (java) {
                if (fullGc) {
                    jcmd(t.pids()[0], "GC.run");
                }
                String info = jcmd(t.pids()[0], "GC.heap_info");
                Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
                heap[i] = m.find() ? Long.parseLong(m.group(1)) : -1;
            } else {
                heap[i] = -1;
            }
            long r = 0;
            long th = 0;
            for (long pid : t.pids()) {
                r += statusField(pid, "VmRSS");
                th += statusField(pid, "Threads");
            }
            rss[i] = r;
            threads = th;
            sleep(500);
        }
        long[] hs = heap.clone();
        long[] rs = rss.clone();
        Arrays.sort(hs);
        Arrays.sort(rs);
        return new Memory(hs[samples / 2], hs[0], hs[samples - 1], rs[samples / 2], rs[0], rs[samples - 1],
                threads);
    }

    static long statusField(long pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.substring(name.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            // process gone
        }
        return 0;
    }

    static String jcmd(long pid, String... command) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(Long.toString(pid));
        cmd.addAll(Arrays.asList(command));
        return exec(cmd, Map.of());
    }

    /**
     * Runs a command and returns its output. The output goes to a file, never to a pipe that nobody reads: a jcmd
     * whose output is not read stops reading the target JVM's answer, and the target then waits at a safepoint.
     */
    static String exec(List<String> cmd, Map<String, String> env) {
        Path log = null;
        try {
            log = Files.createTempFile("bench-exec", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out: " + cmd;
            }
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException e) {
                    // ignore
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ wrk

    static void wrk() throws Exception {
        int reps = Integer.getInteger("bench.reps", QUICK ? 1 : 3);
        double secs = QUICK ? 2 : 4;
        String wrkDir = System.getProperty("bench.wrkdir", "bench/wrk");
        Path out = RESULTS.resolve("wrk.tsv");
        if (!Files.exists(out)) {
            Files.writeString(out, String.join("\t", "rep", "target", "endpoint", "requests_per_s", "p50_ms",
                    "p99_ms", "non2xx", "socket_errors", "cpu_proxy_pct", "cpu_total_pct", "proxy_us_per_request")
                    + "\n");
        }
        record Endpoint(String id, String script, String path) {
        }
        for (LoadGen.Target t : targets()) {
            if (!t.sse()) {
                continue;
            }
            String cookie = createSessions(t.port(), 1).get(0);
            String sid = sessionId(t.port(), cookie);
            HttpClient http = client();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                        + "/api/v1/chat/stream")).header("Origin", ORIGIN).header("User-Agent", UA)
                        .header("Cookie", cookie).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"bench 3 10 0\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 || !r.body().contains("event: end")) {
                    throw new IllegalStateException("seeding history failed: " + r.statusCode() + " " + r.body());
                }
            }
            List<Endpoint> endpoints = List.of(
                    new Endpoint("session/create", "create.lua", "/api/v1/session/create"),
                    new Endpoint("session/validate", "get.lua", "/api/v1/session/validate"),
                    new Endpoint("history (20 messages)", "get.lua", "/api/v1/chat/history/" + sid),
                    new Endpoint("health/live", "get.lua", "/observe/health/live"),
                    new Endpoint("GET / static page (ceiling)", "get.lua", "/"));
            Map<String, String> env = Map.of("BENCH_ORIGIN", ORIGIN, "BENCH_DOMAIN", DOMAIN, "BENCH_UA", UA,
                    "BENCH_COOKIE", cookie);
            for (Endpoint e : endpoints) { // warm-up
                wrkOnce(t, e.script(), e.path(), wrkDir, env, QUICK ? 1 : 2);
            }
            String history = client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/api/v1/chat/history/" + sid)).header("User-Agent", UA).header("Cookie", cookie).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            System.out.println(t.name() + ": history holds " + (history.split("\"role\"", -1).length - 1)
                    + " messages, " + history.length() + " bytes");
            for (int rep = 1; rep <= reps; rep++) {
                for (int i = 0; i < endpoints.size(); i++) {
                    Endpoint e = endpoints.get((i + rep - 1) % endpoints.size());
                    Cpu.Snapshot c0 = Cpu.snapshot(t.pids());
                    String text = wrkOnce(t, e.script(), e.path(), wrkDir, env, secs);
                    Cpu.Usage u = Cpu.usage(c0, Cpu.snapshot(t.pids()));
                    double rps = num(text, "Requests/sec:\\s+([\\d.]+)");
                    long total = (long) num(text, "(\\d+) requests in");
                    String row = String.join("\t", Integer.toString(rep), t.name(), e.id(), f1(rps),
                            f3(latency(text, "50%")), f3(latency(text, "99%")),
                            Long.toString((long) num(text, "Non-2xx or 3xx responses: (\\d+)")),
                            socketErrors(text), f1(u.proxyPct()), f1(u.totalPct()),
                            f1(total == 0 ? Double.NaN : u.proxyTicks() * 10_000.0 / total));
                    Files.writeString(out, row + "\n", StandardOpenOption.APPEND);
                    System.out.println(row.replace('\t', ' '));
                }
            }
        }
    }

    static String wrkOnce(LoadGen.Target t, String script, String path, String dir, Map<String, String> env,
            double secs) {
        return exec(List.of("wrk", "-t2", "-c64", "-d" + (int) Math.ceil(secs) + "s", "--latency", "-s",
                dir + "/" + script, "http://127.0.0.1:" + t.port() + path), env);
    }

    static double latency(String text, String label) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(label) + "\\s+([\\d.]+)(us|ms|s)\\b").matcher(text);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    static String socketErrors(String text) {
        Matcher m = Pattern.compile("Socket errors: (.*)").matcher(text);
        return m.find() ? m.group(1).trim().replace('\t', ' ') : "0";
    }

    static double num(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    // ------------------------------------------------------------------------------------------------ profile

    static void profile() throws Exception {
        for (LoadGen.Target t : targets()) {
            if (!t.sse()) {
                continue;
            }
            List<String> cookies = createSessions(t.port(), 200);
            // the "profile" settings plus JDK 25's CPU-time sampler (JEP 509, Linux): samples CPU time, Java or native
            Path jfc = RESULTS.resolve("bench.jfc").toAbsolutePath();
            String profile = Files.readString(Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc"));
            Files.writeString(jfc, profile.replaceFirst("(?s)(<event name=\"jdk.CPUTimeSample\">\\s*<setting "
                    + "name=\"enabled\">)false(</setting>\\s*<setting name=\"throttle\">)[^<]*", "$1true$22ms"));
            for (String id : List.of("paced200", "closed200")) {
                Scenario s = scenarios().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
                Path file = RESULTS.resolve("profile-" + t.name() + "-" + id + ".jfr").toAbsolutePath();
                jcmd(t.pids()[0], "JFR.start", "name=bench", "settings=" + jfc, "filename=" + file);
                String row = run(s.shorter(s.ramp(), QUICK ? 3 : 8), t, cookies, "profile");
                jcmd(t.pids()[0], "JFR.stop", "name=bench");
                System.out.println("profiled " + row.replace('\t', ' '));
                String[] f = row.split("\t");
                String text = "Scenario: " + s.title() + ", " + f[3] + " conversations in the window, "
                        + f[9] + " chunks/s, chat-proxy at " + f[13] + " % of one core, the machine at " + f[18]
                        + " % (of 200 %).\n\n" + JfrSummary.summarize(file);
                String flame = "flame-" + t.name() + "-" + id;
                JfrSummary.flameGraph(file, RESULTS.resolve(flame + ".folded"), RESULTS.resolve(flame + ".svg"));
                Files.writeString(RESULTS.resolve("profile-" + t.name() + "-" + id + ".txt"), text);
                if (!Boolean.getBoolean("bench.keepJfr")) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(jfc);
        }
    }

    // ------------------------------------------------------------------------------------------------ sessions

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Creates sessions as the widget does; returns the cookies ("name=value"). */
    static List<String> createSessions(int port, int count) throws Exception {
        HttpClient http = client();
        String[] cookies = new String[count];
        Semaphore permits = new Semaphore(32);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int idx = i;
                all.add(ex.submit(() -> {
                    permits.acquire();
                    try {
                        for (int attempt = 0;; attempt++) {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + port + "/api/v1/session/create")).header("Origin", ORIGIN)
                                    .header("User-Agent", UA).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"origin_domain\":\"" + DOMAIN
                                            + "\",\"page_url\":\"" + ORIGIN + "/page\"}"))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 201) {
                                String set = r.headers().firstValue("Set-Cookie").orElseThrow();
                                cookies[idx] = set.substring(0, set.indexOf(';'));
                                return null;
                            }
                            if (attempt > 20) {
                                throw new IllegalStateException("session/create: " + r.statusCode() + " " + r.body());
                            }
                            Thread.sleep(100);
                        }
                    } finally {
                        permits.release();
                    }
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        return Arrays.asList(cookies);
    }

    static String sessionId(int port, String cookie) throws Exception {
        HttpResponse<String> r = client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/session/validate")).header("User-Agent", UA).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"session_id\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        if (!m.find()) {
            throw new IllegalStateException("validate: " + r.statusCode() + " " + r.body());
        }
        return m.group(1);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    static String ms(long nanos) {
        return nanos < 0 ? "NaN" : String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static long nanos(double secs) {
        return (long) (secs * 1e9);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
