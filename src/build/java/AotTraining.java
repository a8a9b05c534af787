import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;

/**
 * Build step (JDK only, run through the source launcher): a training run of chat-proxy that leaves an ahead-of-time
 * cache of the classes it loaded (and, from JDK 25, their linked state and method profiles), so that a new process
 * serves its first visitors at close to its warm figures (issue 25).
 *
 * <p>It starts a fake n8n (streaming webhook, NDJSON) in this process, starts chat-proxy with the Java and the jar it
 * is given, drives the request path of a visitor (session create and validate, streamed and whole chats, history,
 * widget files, health) from a few threads, then stops the server with SIGTERM: the JVM writes the cache as it exits.
 * Finally it writes an argument file with the one flag that uses the cache, for {@code java @file -jar ...}.
 * <ul>
 * <li>JDK 25 and later: {@code -XX:AOTCacheOutput} while training, {@code -XX:AOTCache} when serving (JEPs 483, 514,
 * 515);</li>
 * <li>JDK 21 to 24: a dynamic class-data sharing archive, {@code -XX:ArchiveClassesAtExit} while training,
 * {@code -XX:SharedArchiveFile} when serving (on top of the JDK's default archive).</li>
 * </ul>
 * The cache holds for the same JDK and the same jar and libs (path, size and time are checked): run it from the
 * directory the server will run in, with the same {@code -jar} argument. A JVM given a cache that does not match warns
 * and starts without it.
 *
 * <p>Usage: {@code java AotTraining.java <java> <jar> <cache file> <argument file> [JVM options]}; {@code <java>} may
 * be {@code -} for the Java running this program; the JVM options are those the server will run with (heap, GC).
 * Without {@code DATABASE_URL} in the environment the server uses an embedded H2 database in a temporary directory;
 * with it (and {@code REDIS_URL}) the training covers those clients too.
 */
public final class AotTraining {
    private static final String ORIGIN = "http://aot-training.local";
    private static final int VISITORS = Integer.getInteger("aot.visitors", 24);
    private static final int CHATS_PER_VISITOR = Integer.getInteger("aot.chats", 12);
    private static final Pattern SESSION_ID = Pattern.compile("\"session_id\"\\s*:\\s*\"([^\"]+)\"");

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: java AotTraining.java <java|-> <jar> <cache file> <argument file> "
                    + "[JVM options of the server]");
            System.exit(2);
        }
        String java = args[0].equals("-") ? ProcessHandle.current().info().command().orElseThrow() : args[0];
        Path cache = Path.of(args[2]).toAbsolutePath();
        Path argFile = Path.of(args[3]);
        String version = javaVersion(java);
        int feature = feature(java, version);
        boolean aot = feature >= 25 && !Boolean.getBoolean("aot.cds"); // -Daot.cds=true: the JDK 21 way on any JDK
        String record = aot ? "-XX:AOTCacheOutput=" + cache : "-XX:ArchiveClassesAtExit=" + cache;
        String use = aot ? "-XX:AOTCache=" + cache : "-XX:SharedArchiveFile=" + cache;
        Path stamp = Path.of(argFile + ".jdk");
        if (upToDate(Path.of(args[1]), cache, argFile, stamp, java + "\n" + version)) {
            System.out.println("[aot] " + cache + " is up to date");
            return;
        }
        Files.deleteIfExists(cache);
        Files.deleteIfExists(argFile);

        HttpServer n8n = fakeN8n();
        Path data = Files.createTempDirectory("chat-proxy-aot-training");
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("JWT_SECRET_KEY", "aot-training-jwt-secret-key-0123456789abcdef0123456789");
        env.put("SESSION_SECRET_KEY", "aot-training-session-secret-0123456789abcdef012345678");
        env.put("N8N_WEBHOOK_URL", "http://127.0.0.1:" + n8n.getAddress().getPort() + "/webhook/chat");
        env.put("ALLOWED_ORIGINS", ORIGIN);
        env.put("SERVER_HOST", "127.0.0.1");
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("DATABASE_URL", "jdbc:h2:file:" + data.resolve("chat-proxy"));
        for (String limit : List.of("RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_PER_HOUR",
                "CHAT_PROXY_RATE_LIMIT__IP__PER_MINUTE", "CHAT_PROXY_RATE_LIMIT__IP__PER_HOUR",
                "CHAT_PROXY_RATE_LIMIT__SESSION__PER_MINUTE", "CHAT_PROXY_RATE_LIMIT__SESSION__PER_HOUR",
                "CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE",
                "CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__ORIGIN_PER_MINUTE",
                "CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_MINUTE", "CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_HOUR")) {
            env.put(limit, "10000000"); // one client, many requests: the limits are exercised, never reached
        }
        System.getenv().forEach((k, v) -> {
            if (k.equals("DATABASE_URL") || k.equals("REDIS_URL") || k.startsWith("CHAT_PROXY_")) {
                env.put(k, v);
            }
        });
        List<String> command = new ArrayList<>(List.of(java, record));
        command.addAll(List.of(args).subList(4, args.length));
        command.addAll(List.of("-jar", args[1]));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(data.resolve("server.log").toFile());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        System.out.printf("[aot] training %s on JDK %d (%s), server on port %d%n", args[1], feature,
                aot ? "AOT cache" : "class-data sharing archive", port);
        Process server = pb.start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + port;
            awaitReady(http, base, server);
            int chats = train(http, base);
            System.out.printf("[aot] %d visitors, %d chats in %.1f s; stopping the server%n", VISITORS, chats,
                    (System.nanoTime() - t0) / 1e9);
        } catch (Exception e) {
            server.destroyForcibly();
            System.err.println("[aot] training failed: " + e + "\n" + tail(data.resolve("server.log")));
            System.exit(1);
        } finally {
            n8n.stop(0);
        }
        server.destroy(); // SIGTERM: the server drains and exits, the JVM writes the cache
        if (!server.waitFor(180, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
        if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
            System.err.println("[aot] no cache written (exit " + server.exitValue() + ")\n"
                    + tail(data.resolve("server.log")));
            System.exit(1);
        }
        Files.writeString(argFile, use + "\n");
        Files.writeString(stamp, java + "\n" + version);
        System.out.printf("[aot] %s: %.1f MB in %.1f s; serve with java @%s -jar %s%n", cache,
                Files.size(cache) / 1e6, (System.nanoTime() - t0) / 1e9, argFile, args[1]);
        deleteTree(data);
    }

    /** Visitors in parallel, each: a session, chats streamed and whole, history, a validation. */
    private static int train(HttpClient http, String base) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Integer>> visitors = new ArrayList<>();
            for (int v = 0; v < VISITORS; v++) {
                visitors.add(pool.submit(() -> visitor(http, base)));
            }
            int chats = 0;
            for (Future<Integer> f : visitors) {
                chats += f.get(120, TimeUnit.SECONDS);
            }
            return chats;
        }
    }

    private static int visitor(HttpClient http, String base) throws Exception {
        for (String asset : List.of("/widget.js", "/widget.css", "/chat-loader.js", "/observe/health")) {
            http.send(get(base + asset).build(), HttpResponse.BodyHandlers.discarding());
        }
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/session/create"))
                .header("Origin", ORIGIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"origin_domain\":\"aot-training.local\","
                        + "\"page_url\":\"" + ORIGIN + "/page\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        expect(created, 201);
        String cookie = created.headers().firstValue("Set-Cookie").orElseThrow();
        cookie = cookie.substring(0, cookie.indexOf(';'));
        Matcher id = SESSION_ID.matcher(created.body());
        if (!id.find()) {
            throw new IllegalStateException("no session_id in " + created.body());
        }
        expect(http.send(get(base + "/api/v1/session/validate").header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString()), 200);
        for (int i = 0; i < CHATS_PER_VISITOR; i++) {
            boolean streamed = i % 4 != 3;
            HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/chat/"
                    + (streamed ? "stream" : "message")))
                    .header("Origin", ORIGIN).header("Cookie", cookie).header("Content-Type", "application/json")
                    .header("Accept", streamed ? "text/event-stream" : "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"question " + i + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            expect(chat, 200);
        }
        expect(http.send(get(base + "/api/v1/chat/history/" + id.group(1)).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString()), 200);
        return CHATS_PER_VISITOR;
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Origin", ORIGIN).GET();
    }

    private static void expect(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().uri().getPath() + ": " + r.statusCode() + " " + r.body());
        }
    }

    private static void awaitReady(HttpClient http, String base, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server exited with " + server.exitValue());
            }
            try {
                int s = http.send(get(base + "/observe/health/ready").build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (s / 100 == 2) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not ready within 120 s");
    }

    /** n8n's Webhook in "Streaming" response mode: chunked NDJSON, begin, items, end. */
    private static HttpServer fakeN8n() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        String node = "\"metadata\":{\"nodeId\":\"0b7c1a10-0000-4000-8000-000000000012\",\"nodeName\":\"AI Agent\","
                + "\"itemIndex\":0,\"runIndex\":0,\"timestamp\":";
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                line(out, "{\"type\":\"begin\"," + node + System.currentTimeMillis() + "}}");
                for (int i = 0; i < 8; i++) {
                    line(out, "{\"type\":\"item\",\"content\":\"Part " + i + " of a trained answer. \"," + node
                            + System.currentTimeMillis() + "}}");
                }
                line(out, "{\"type\":\"end\"," + node + System.currentTimeMillis() + "}}");
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(8, Thread.ofPlatform().daemon().factory()));
        server.start();
        return server;
    }

    private static void line(OutputStream out, String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Whether the cache was made by the same JDK after the jar and its libs last changed. */
    private static boolean upToDate(Path jar, Path cache, Path argFile, Path stamp, String jdk) throws IOException {
        if (!Files.isRegularFile(cache) || !Files.isRegularFile(argFile) || !Files.isRegularFile(stamp)
                || !Files.readString(stamp).equals(jdk)) {
            return false;
        }
        long made = Files.getLastModifiedTime(cache).toMillis();
        Path libs = jar.toAbsolutePath().resolveSibling("libs");
        List<Path> inputs = new ArrayList<>(List.of(jar));
        if (Files.isDirectory(libs)) {
            try (Stream<Path> all = Files.list(libs)) {
                inputs.addAll(all.toList());
            }
        }
        for (Path p : inputs) {
            if (Files.getLastModifiedTime(p).toMillis() >= made) {
                return false;
            }
        }
        return true;
    }

    private static String javaVersion(String java) throws Exception {
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static int feature(String java, String version) {
        Matcher m = Pattern.compile("version \"(\\d+)").matcher(version);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the version of " + java + ": " + version);
        }
        return Integer.parseInt(m.group(1));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no server log: " + e + ")";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
