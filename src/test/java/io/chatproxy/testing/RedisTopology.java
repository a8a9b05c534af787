package io.chatproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Redis deployed for high availability, from real {@code redis-server} processes on free loopback ports (working
 * directories under {@code target/redis-topology/}): a Cluster of 3 primaries and 3 replicas, or a primary, a replica
 * and 3 Sentinels. A test can SIGKILL a primary and wait for the replica's promotion. Everything is killed and deleted
 * on close.
 */
public final class RedisTopology implements AutoCloseable {
    private static final String MASTER_NAME = "chatproxy";
    private static final long START_TIMEOUT_MILLIS = 20_000;

    private final boolean cluster;
    private final Path dir;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final Map<Integer, List<String>> commands = new LinkedHashMap<>();
    private final List<Integer> dataPorts = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();

    private RedisTopology(boolean cluster) {
        // the embedded Redis ships redis-server only; this class also drives redis-cli (redis-tools)
        Assumptions.assumeTrue(TestServices.onPath("redis-cli"), "redis-cli is needed for a Redis cluster or sentinel");
        this.cluster = cluster;
        try {
            this.dir = Files.createDirectories(Path.of("target", "redis-topology",
                    (cluster ? "cluster-" : "sentinel-") + UUID.randomUUID().toString().substring(0, 8)))
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A Redis Cluster of 3 primaries, each with one replica; a primary is failed over 1 s after it stops answering.
     *
     * @return the running cluster, every slot covered
     */
    public static RedisTopology cluster() {
        RedisTopology topology = new RedisTopology(true);
        try {
            List<String> nodes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int port = topology.freePortWithBus();
                topology.dataPorts.add(port);
                topology.start(port, "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                        "--cluster-node-timeout", "1000");
                nodes.add("127.0.0.1:" + port);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            create.addAll(nodes);
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            run(create);
            topology.await(() -> {
                for (int port : topology.dataPorts) {
                    if (!cli(port, "cluster", "info").contains("cluster_state:ok")) {
                        return false;
                    }
                }
                return topology.replicasInSync();
            }, "cluster ready");
            return topology;
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    /**
     * A primary, its replica and 3 Sentinels (quorum 2) that fail the primary over 1 s after it stops answering.
     *
     * @return the running deployment, the Sentinels aware of the replica
     */
    public static RedisTopology sentinel() {
        RedisTopology topology = new RedisTopology(false);
        try {
            int primary = topology.freePortWithBus();
            int replica = topology.freePortWithBus();
            topology.dataPorts.add(primary);
            topology.dataPorts.add(replica);
            topology.start(primary);
            topology.start(replica, "--replicaof", "127.0.0.1", Integer.toString(primary));
            for (int i = 0; i < 3; i++) {
                int port = topology.freePortWithBus();
                topology.sentinelPorts.add(port);
                Path conf = topology.dir.resolve("sentinel-" + port + ".conf");
                Files.writeString(conf, String.join("\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "dir " + topology.dir,
                        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary + " 2",
                        "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                        "sentinel failover-timeout " + MASTER_NAME + " 5000",
                        "sentinel parallel-syncs " + MASTER_NAME + " 1", ""), StandardCharsets.UTF_8);
                topology.spawn(port, List.of(TestServices.redisServerExecutable(), conf.toString(), "--sentinel"));
            }
            topology.await(() -> topology.replicasInSync() && topology.sentinelPorts.stream()
                    .allMatch(p -> {
                        String master = cli(p, "sentinel", "master", MASTER_NAME);
                        return master.contains("num-slaves\n1\n") && master.contains("num-other-sentinels\n2\n");
                    }),
                    "sentinels ready");
            return topology;
        } catch (IOException e) {
            topology.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    /** The chat-proxy environment for this deployment: its URL, cluster flag and a fresh key prefix. */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        if (cluster) {
            env.put("REDIS_URL", "redis://127.0.0.1:" + dataPorts.get(0));
        } else {
            StringBuilder hosts = new StringBuilder();
            for (int port : sentinelPorts) {
                hosts.append(hosts.isEmpty() ? "" : ",").append("127.0.0.1:").append(port);
            }
            env.put("REDIS_URL", "redis-sentinel://" + hosts + "/0#" + MASTER_NAME);
        }
        env.put("CHAT_PROXY_REDIS__CLUSTER", Boolean.toString(cluster));
        env.put("CHAT_PROXY_REDIS__KEY_PREFIX", "ha-" + UUID.randomUUID().toString().substring(0, 8) + ":");
        return env;
    }

    /**
     * SIGKILLs a primary: with Sentinel the primary, with Cluster the one serving the rate limiter's keys (hash tag
     * {@code {rl}}).
     *
     * @return the port it listened on
     */
    public int killPrimary() {
        int port = primary();
        Process process = processes.remove(port);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return port;
    }

    /**
     * Restarts every killed node and waits until it has rejoined as a replica (its Cluster node file or the Sentinels
     * turn it into one) and is in sync, so the next test finds the full deployment.
     */
    public void restoreKilled() {
        List<Integer> killed = dataPorts.stream().filter(p -> !processes.containsKey(p)).toList();
        if (killed.isEmpty()) {
            return;
        }
        for (int port : killed) {
            spawn(port, commands.get(port));
        }
        await(() -> replicasInSync() && (cluster
                ? dataPorts.stream()
                        .allMatch(p -> cli(p, "cluster", "info").contains("cluster_state:ok"))
                : sentinelPorts.stream().allMatch(this::sentinelSeesAGoodReplica)), "killed nodes back as replicas");
    }

    /**
     * Starts a planned failover of the primary serving the rate limiter's keys: {@code SENTINEL FAILOVER}, or
     * {@code CLUSTER FAILOVER} on its replica (which waits for the replica to catch up before taking over).
     *
     * @return the port of the primary being replaced
     */
    public int startPlannedFailover() {
        int primary = primary();
        String reply;
        if (cluster) {
            reply = cli(replicaOf(primary), "cluster", "failover");
        } else {
            reply = cli(sentinelPorts.get(0), "sentinel", "failover", MASTER_NAME);
        }
        if (!reply.trim().equals("OK")) {
            throw new IllegalStateException("planned failover refused: " + reply.trim());
        }
        return primary;
    }

    private int replicaOf(int primary) {
        String[] nodes = cli(primary, "cluster", "nodes").split("\n");
        String primaryId = java.util.Arrays.stream(nodes).filter(l -> l.contains("myself")).findFirst()
                .orElseThrow().split(" ")[0];
        for (String line : nodes) {
            String[] f = line.split(" ");
            if (f.length > 3 && f[2].contains("slave") && f[3].equals(primaryId)) {
                return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
            }
        }
        throw new IllegalStateException("no replica of " + primary);
    }

    private boolean sentinelSeesAGoodReplica(int sentinel) {
        String replicas = cli(sentinel, "sentinel", "replicas", MASTER_NAME);
        return replicas.contains("flags\nslave\n");
    }

    /** The port of the current primary (Sentinel), or of the primary serving the {@code {rl}} keys (Cluster). */
    public int primary() {
        if (!cluster) {
            for (int port : sentinelPorts) {
                String[] addr = cli(port, "sentinel", "get-master-addr-by-name", MASTER_NAME).split("\n");
                if (addr.length == 2) {
                    return Integer.parseInt(addr[1].trim());
                }
            }
            throw new IllegalStateException("no sentinel knows the primary");
        }
        for (int port : dataPorts) {
            if (!processes.containsKey(port)) {
                continue;
            }
            int slot = Integer.parseInt(cli(port, "cluster", "keyslot", "{rl}").trim());
            for (String line : cli(port, "cluster", "nodes").split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 8 && f[2].contains("master") && !f[2].contains("fail")
                        && java.util.Arrays.stream(f).skip(8).anyMatch(r -> covers(r, slot))) {
                    return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                }
            }
            break;
        }
        throw new IllegalStateException("no primary serves the {rl} slot");
    }

    private static boolean covers(String range, int slot) {
        if (range.startsWith("[")) {
            return false;
        }
        int dash = range.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
        int to = Integer.parseInt(dash < 0 ? range : range.substring(dash + 1));
        return from <= slot && slot <= to;
    }

    /**
     * Waits until a replica has taken over from the killed primary, as the survivors see it.
     *
     * @param killed the killed primary's port
     * @param timeoutMillis longest wait
     * @return {@link System#nanoTime()} when the promotion was seen (polled every 20 ms)
     */
    public long awaitPromotion(int killed, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (primary() != killed) {
                    return System.nanoTime();
                }
            } catch (RuntimeException e) {
                // a survivor mid-election: ask again
            }
            sleep(20);
        }
        throw new AssertionError("no promotion within " + timeoutMillis + " ms");
    }

    /** Runs redis-cli against a port and returns its output. */
    public static String cli(int port, String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        return run(command);
    }

    private boolean replicasInSync() {
        int replicas = 0;
        for (int port : dataPorts) {
            String info = cli(port, "info", "replication");
            if (info.contains("role:slave")) {
                if (!info.contains("master_link_status:up")) {
                    return false;
                }
                replicas++;
            }
        }
        return replicas == dataPorts.size() / 2;
    }

    private void start(int port, String... extra) {
        List<String> command = new ArrayList<>(
                List.of(TestServices.redisServerExecutable(), "--port", Integer.toString(port), "--bind",
                        "127.0.0.1", "--dir", dir.toString(), "--save", "", "--appendonly", "no"));
        command.addAll(List.of(extra));
        spawn(port, command);
    }

    private void spawn(int port, List<String> command) {
        commands.put(port, List.copyOf(command));
        try {
            processes.put(port, new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile()))
                    .start());
        } catch (IOException e) {
            throw new IllegalStateException("redis-server is needed for this test", e);
        }
        await(() -> {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }, "redis-server on " + port);
    }

    private void await(java.util.function.BooleanSupplier ready, String what) {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (!ready.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(what + " not within " + START_TIMEOUT_MILLIS + " ms (logs in " + dir
                        + ")");
            }
            sleep(50);
        }
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    private int freePortWithBus() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            if (!processes.containsKey(port) && free(port) && free(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (Process process : processes.values()) {
            process.destroyForcibly();
        }
        for (Process process : processes.values()) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
