import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of each party from /proc: utime + stime of the proxy's processes, the fake n8n, this load generator,
 * PostgreSQL's and Redis' processes, and the whole machine (/proc/stat). Clock ticks are 1/100 s (CLK_TCK).
 */
final class Cpu {
    static final long FAKE_PID = Long.getLong("bench.pid.fake", -1);

    record Snapshot(long nanos, long proxy, long jit, long fake, long self, Map<Long, Long> pg,
            Map<Long, Long> redis, long busy, long total) {
    }

    /** proxyTicks leaves out the JIT compiler's threads (jitTicks): compiling is warm-up, not the cost of a chunk. */
    record Usage(double secs, long proxyTicks, long jitTicks, long fakeTicks, long selfTicks, long pgTicks,
            long redisTicks, double totalPct) {
        double proxyPct() {
            return proxyTicks / secs;
        }

        double jitPct() {
            return jitTicks / secs;
        }

        double fakePct() {
            return fakeTicks / secs;
        }

        double selfPct() {
            return selfTicks / secs;
        }

        double pgPct() {
            return pgTicks / secs;
        }

        double redisPct() {
            return redisTicks / secs;
        }

        /** The rest of the machine: the other engineer's builds, the idle proxy, the kernel's softirqs, ... */
        double otherPct() {
            return Math.max(0, totalPct - proxyPct() - jitPct() - fakePct() - selfPct() - pgPct() - redisPct());
        }
    }

    static Snapshot snapshot(long[] proxyPids) {
        long proxy = 0;
        long jit = 0;
        for (long pid : proxyPids) {
            proxy += ticks("/proc/" + pid + "/stat");
            jit += compilerTicks(pid);
        }
        Map<Long, Long> pg = new HashMap<>();
        Map<Long, Long> redis = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : dir) {
                String comm;
                try {
                    comm = Files.readString(p.resolve("comm")).strip();
                } catch (IOException e) {
                    continue;
                }
                if (comm.equals("postgres")) {
                    pg.put(Long.parseLong(p.getFileName().toString()), ticks(p.resolve("stat").toString()));
                } else if (comm.equals("redis-server")) {
                    redis.put(Long.parseLong(p.getFileName().toString()), ticks(p.resolve("stat").toString()));
                }
            }
        } catch (IOException e) {
            // no /proc
        }
        long busy = 0;
        long total = 0;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            for (int i = 1; i < f.length && i <= 8; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i != 4 && i != 5) { // idle, iowait
                    busy += v;
                }
            }
        } catch (IOException e) {
            // ignore
        }
        return new Snapshot(System.nanoTime(), proxy - jit, jit, FAKE_PID > 0 ? ticks("/proc/" + FAKE_PID + "/stat") : 0,
                ticks("/proc/self/stat"), pg, redis, busy, total);
    }

    static Usage usage(Snapshot a, Snapshot b) {
        double secs = (b.nanos() - a.nanos()) / 1e9;
        int cpus = Runtime.getRuntime().availableProcessors();
        double totalPct = b.total() == a.total() ? 0 : 100.0 * cpus * (b.busy() - a.busy()) / (b.total() - a.total());
        return new Usage(secs, b.proxy() - a.proxy(), b.jit() - a.jit(), b.fake() - a.fake(), b.self() - a.self(), delta(a.pg(), b.pg()),
                delta(a.redis(), b.redis()), totalPct);
    }

    private static long delta(Map<Long, Long> a, Map<Long, Long> b) {
        long d = 0;
        for (Map.Entry<Long, Long> e : b.entrySet()) {
            d += e.getValue() - a.getOrDefault(e.getKey(), 0L);
        }
        return d;
    }

    /** CPU of a JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre" in /proc: names are cut). */
    static long compilerTicks(long pid) {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        sum += ticks(task.resolve("stat").toString());
                    }
                } catch (IOException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            // not a JVM we can read (nginx has no such threads)
        }
        return sum;
    }

    /** utime + stime in clock ticks. */
    static long ticks(String statFile) {
        try {
            String s = Files.readString(Path.of(statFile));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
