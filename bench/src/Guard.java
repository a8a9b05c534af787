import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The performance guard of CI (issue 25, item 6; {@code bench/run --guard}): a short run that measures chat-proxy
 * against n8n called directly and through nginx, in the same run, and compares ratios to those anchors with the ones
 * recorded in {@code bench/guard.properties}, so that a slower machine does not fail it:
 * <ul>
 * <li>{@code ttfc_added}: (chat-proxy's first-chunk p50 - direct's) / nginx's first-chunk p50, one conversation at a
 * time;</li>
 * <li>{@code cpu_per_chunk}: chat-proxy's CPU per relayed chunk / nginx's, 200 streams without delay.</li>
 * </ul>
 * Each figure is the median of {@code REPS} repetitions, targets interleaved, after a warm-up. The guard fails when a
 * ratio is more than {@code 2 x} the recorded one. {@code Guard record} writes the file instead: the ratios of this run
 * times {@code MARGIN}.
 */
public final class Guard {
    static final Path FILE = Path.of(System.getProperty("bench.guardFile", "bench/guard.properties"));
    static final int REPS = Integer.getInteger("bench.guardReps", 3);
    static final double LIMIT = 2.0;
    static final double MARGIN = 1.25;
    static final Bench.Scenario TTFC = new Bench.Scenario("ttfc1", "1 conversation", 1, "bench 5 40 1", 5, 0.5, 2.5,
            5);
    static final Bench.Scenario THROUGHPUT = new Bench.Scenario("thr200", "throughput, 200 streams", 200,
            "bench 200 40 0", 200, 1, 2, 20);

    private Guard() {
    }

    public static void main(String[] args) throws Exception {
        boolean record = args.length > 0 && args[0].equals("record");
        List<LoadGen.Target> targets = Bench.targets();
        Map<String, List<String>> cookies = new HashMap<>();
        for (LoadGen.Target t : targets) {
            if (t.sse()) {
                cookies.put(t.name(), Bench.createSessions(t.port(), 200));
            }
        }
        for (int pass = 0; pass < 2; pass++) { // warm-up, not counted: the JIT compiler's work is done before
            for (Bench.Scenario s : List.of(TTFC, THROUGHPUT)) {
                for (LoadGen.Target t : targets) {
                    if (t.sse()) {
                        Bench.run(s.shorter(0.3, 1), t, cookies.get(t.name()), "warmup");
                    }
                }
            }
        }
        Map<String, List<Double>> ttfc = new HashMap<>();
        Map<String, List<Double>> cpu = new HashMap<>();
        for (int rep = 1; rep <= REPS; rep++) {
            for (Bench.Scenario s : List.of(TTFC, THROUGHPUT)) {
                for (int i = 0; i < targets.size(); i++) {
                    LoadGen.Target t = targets.get((i + rep - 1) % targets.size());
                    String[] row = Bench.run(s, t, cookies.get(t.name()), Integer.toString(rep)).split("\t");
                    System.out.println(String.join(" ", row));
                    if (!row[11].equals("0")) {
                        throw new IllegalStateException(t.name() + " " + s.id() + ": errors " + row[11] + " "
                                + row[24]);
                    }
                    Map<String, List<Double>> into = s == TTFC ? ttfc : cpu;
                    double v = Double.parseDouble(s == TTFC ? row[4] : row[20]);
                    into.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(v);
                }
            }
        }
        double direct = median(ttfc.get("direct"));
        double nginx = median(ttfc.get("nginx"));
        double nginxCpu = median(cpu.get("nginx"));
        Map<String, Double> ratios = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "%nmedians of %d: first chunk p50 direct %.3f ms, nginx %.3f ms; nginx %.2f us "
                + "CPU per chunk%n", REPS, direct, nginx, nginxCpu);
        for (LoadGen.Target t : targets) {
            if (t.sse()) {
                double p50 = median(ttfc.get(t.name()));
                double us = median(cpu.get(t.name()));
                System.out.printf(Locale.ROOT, "%s: first chunk p50 %.3f ms (added %.3f ms), %.2f us CPU per chunk%n",
                        t.name(), p50, p50 - direct, us);
                ratios.put(t.name() + ".ttfc_added", (p50 - direct) / nginx);
                ratios.put(t.name() + ".cpu_per_chunk", us / nginxCpu);
            }
        }
        if (record) {
            record(ratios);
            return;
        }
        Properties recorded = new Properties();
        try (Reader r = Files.newBufferedReader(FILE)) {
            recorded.load(r);
        }
        boolean failed = false;
        System.out.printf(Locale.ROOT, "%n%-28s %9s %9s %9s%n", "ratio (to the anchors)", "now", "recorded", "limit");
        for (Map.Entry<String, Double> e : ratios.entrySet()) {
            String was = recorded.getProperty(e.getKey());
            if (was == null) {
                System.out.printf(Locale.ROOT, "%-28s %9.2f %9s %9s  (not recorded)%n", e.getKey(), e.getValue(),
                        "-", "-");
                continue;
            }
            double limit = LIMIT * Double.parseDouble(was);
            boolean bad = e.getValue() > limit;
            failed |= bad;
            System.out.printf(Locale.ROOT, "%-28s %9.2f %9s %9.2f  %s%n", e.getKey(), e.getValue(), was, limit,
                    bad ? "FAIL: more than " + LIMIT + "x the recorded ratio" : "ok");
        }
        if (failed) {
            System.out.println("performance guard: FAILED (" + FILE + "; re-record with bench/run --guard --record "
                    + "only when the change is meant)");
            System.exit(1);
        }
        System.out.println("performance guard: ok");
    }

    static void record(Map<String, Double> ratios) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Performance guard of CI (bench/run --guard, bench/src/Guard.java): ratios of chat-proxy to the\n")
                .append("# anchors measured in the same run; the guard fails when one is more than ").append(LIMIT)
                .append("x its value here.\n")
                .append("#   <target>.ttfc_added     (first-chunk p50 - direct's) / nginx's first-chunk p50\n")
                .append("#   <target>.cpu_per_chunk  CPU per relayed chunk / nginx's\n")
                .append("# Recorded with bench/run --guard --record: the ratios of that run x ").append(MARGIN)
                .append(" (margin).\n")
                .append("# commit=").append(System.getProperty("bench.commit", "unknown"))
                .append(" date=").append(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                .append(" loadavg=").append(Files.readString(Path.of("/proc/loadavg")).trim()).append('\n');
        for (Map.Entry<String, Double> e : ratios.entrySet()) {
            b.append(e.getKey()).append('=').append(String.format(Locale.ROOT, "%.2f", e.getValue() * MARGIN))
                    .append('\n');
        }
        Files.writeString(FILE, b);
        System.out.print("\nrecorded in " + FILE + ":\n" + b);
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
