import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.chatproxy.ratelimit.Decision;
import io.chatproxy.ratelimit.Limit;
import io.chatproxy.ratelimit.LocalRateLimiter;
import io.chatproxy.ratelimit.RateLimiter;
import io.chatproxy.ratelimit.RedisRateLimiter;
import io.chatproxy.config.SettingsReader;
import io.chatproxy.config.SettingsSource;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.redis.RedisConnections;

/**
 * The cost of one rate-limit check, JMH-free: chat-proxy's own limiter classes (from target/classes) are called the
 * way {@code RateLimitGuard.chatMessage} calls them, with the six limits of a chat message (session, IP and site, per
 * minute and per hour), subjects drawn from 10,000 sessions, 500 IPs and 20 sites, limits high enough never to refuse.
 * Each call is timed with {@link System#nanoTime()}; warm-up calls are not recorded.
 *
 * <p>Usage: {@code RateLimitBench <redis-url> <key-prefix> <results-dir> <quick>}.
 */
public final class RateLimitBench {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final int MAX = 1_000_000_000;

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String prefix = args[1];
        Path out = Path.of(args[2]).resolve("ratelimit.tsv");
        boolean quick = Boolean.parseBoolean(args[3]);
        Files.createDirectories(out.getParent());
        if (!Files.exists(out)) {
            Files.writeString(out, "limiter\tcallers\tcalls\tp50_us\tp90_us\tp99_us\tp999_us\tmax_us\tcalls_per_s\n");
        }
        List<List<Limit>> requests = requests(20_000);
        RateLimiter local = new LocalRateLimiter(Clock.systemUTC());
        int localCalls = quick ? 200_000 : 1_000_000;
        measure(out, "in-process", local, requests, 1, localCalls / 2, localCalls);
        measure(out, "in-process", local, requests, 16, localCalls / 4, localCalls);
        // the packaged app.yaml's Redis settings, with the bench's URL and key prefix
        RedisSettings settings = RedisSettings.read(new SettingsReader(SettingsSource.create(
                Map.of("REDIS_URL", url, "CHAT_PROXY_REDIS__KEY_PREFIX", prefix), Path.of("/nonexistent"))));
        try (RedisConnections redis = RedisConnections.connect(url, false, prefix, Duration.ofSeconds(2), settings.recovery())) {
            RateLimiter remote = new RedisRateLimiter(redis, Clock.systemUTC());
            int redisCalls = quick ? 5_000 : 30_000;
            measure(out, "redis", remote, requests, 1, redisCalls / 3, redisCalls);
            measure(out, "redis", remote, requests, 16, redisCalls / 3, redisCalls);
        }
    }

    private static List<List<Limit>> requests(int n) {
        java.util.Random random = new java.util.Random(42);
        List<List<Limit>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String session = "s" + random.nextInt(10_000);
            String ip = "10.0." + random.nextInt(2) + "." + random.nextInt(250);
            String site = "site" + random.nextInt(20) + ".example";
            all.add(List.of(
                    new Limit("session-minute", session, MAX, MINUTE),
                    new Limit("session-hour", session, MAX, HOUR),
                    new Limit("ip-minute", ip, MAX, MINUTE),
                    new Limit("ip-hour", ip, MAX, HOUR),
                    new Limit("origin-minute", site, MAX, MINUTE),
                    new Limit("origin-hour", site, MAX, HOUR)));
        }
        return all;
    }

    /** Runs warm-up then measured calls spread over a number of concurrent callers (virtual threads). */
    private static void measure(Path out, String name, RateLimiter limiter, List<List<Limit>> requests, int callers,
            int warmup, int calls) throws Exception {
        run(limiter, requests, callers, warmup, new long[warmup]);
        long[] times = new long[calls];
        long t0 = System.nanoTime();
        run(limiter, requests, callers, calls, times);
        double secs = (System.nanoTime() - t0) / 1e9;
        Arrays.sort(times);
        String row = String.join("\t", name, Integer.toString(callers), Integer.toString(calls), us(times, 0.50),
                us(times, 0.90), us(times, 0.99), us(times, 0.999), us(times, 1.0),
                String.format(Locale.ROOT, "%.0f", calls / secs));
        Files.writeString(out, row + "\n", StandardOpenOption.APPEND);
        System.out.println("rate limit " + row.replace('\t', ' '));
    }

    private static void run(RateLimiter limiter, List<List<Limit>> requests, int callers, int calls, long[] times)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(callers);
        Runnable work = () -> {
            try {
                int i;
                while ((i = next.getAndIncrement()) < calls) {
                    List<Limit> limits = requests.get(i % requests.size());
                    long a = System.nanoTime();
                    Decision d = limiter.acquire(limits);
                    times[i] = System.nanoTime() - a;
                    if (!d.allowed()) {
                        throw new IllegalStateException("refused: " + d);
                    }
                }
            } finally {
                done.countDown();
            }
        };
        if (callers == 1) {
            work.run();
            return;
        }
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < callers; c++) {
                ex.execute(work);
            }
            done.await();
        }
    }

    private static String us(long[] sorted, double p) {
        int idx = Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1));
        return String.format(Locale.ROOT, "%.2f", sorted[idx] / 1000.0);
    }
}
