package io.chatproxy.redis;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * One shared Lettuce connection (standalone, Sentinel or Cluster) used synchronously from virtual threads (or through
 * {@link #async()} to send several commands before waiting for any), and a second
 * one whose writes are sent in batches (see {@link #batched}). Lettuce reconnects by itself; while it is disconnected
 * commands fail at once instead of queueing, so callers can fall back without waiting, and every command has a
 * timeout. Never use a blocking command (BLPOP, XREAD BLOCK) here: it would hold up every other caller.
 */
public final class RedisConnections implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(RedisConnections.class.getName());
    private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long BATCH_WINDOW_MICROS = 1000;
    private final AutoCloseable client;
    private final Supplier<Link> connector;
    private final String prefix;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "redis-batch-flush");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Link link;
    private long nextAttempt;

    private RedisConnections(AutoCloseable client, Supplier<Link> connector, String prefix) {
        this.client = client;
        this.connector = connector;
        this.prefix = prefix;
    }

    /**
     * Prepares the connection. Start-up does not fail when Redis is down: the first connection is made on first use
     * (at most one attempt a second), after which Lettuce reconnects by itself.
     *
     * @param url Redis URI
     * @param cluster whether it is a Redis Cluster
     * @param prefix key prefix
     * @param timeout command timeout
     * @param recovery how quickly a failover is followed
     * @return the connections
     */
    public static RedisConnections connect(String url, boolean cluster, String prefix, Duration timeout,
            RedisSettings.Recovery recovery) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(timeout);
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
        // Lettuce records every command's latency in histograms when LatencyUtils is on the classpath: nobody reads
        // them here, and it cost a few per cent of the CPU of a relayed chunk
        // Lettuce's reconnect delay doubles up to 30 s: after a 2 s outage the next attempt comes up to 2 s after the
        // new primary is ready (Sentinel), and on a Cluster the failed attempts are what trigger a topology refresh
        ClientResources resources = ClientResources.builder()
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .reconnectDelay(Delay.exponential(Duration.ZERO, recovery.reconnectMaxDelay(), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisConnections connections;
        if (cluster) {
            RedisClusterClient client = RedisClusterClient.create(resources, uri);
            client.setOptions(ClusterClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .topologyRefreshOptions(topologyRefresh(recovery))
                    .build());
            connections = new RedisConnections(closer(client, resources),
                    () -> link(() -> toEveryPrimary(client.connect()), timeout,
                            StatefulRedisClusterConnection::sync, StatefulRedisClusterConnection::async),
                    prefix);
        } else {
            RedisClient client = RedisClient.create(resources, uri);
            client.setOptions(ClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            connections = new RedisConnections(closer(client, resources), () -> link(client::connect, timeout,
                    StatefulRedisConnection::sync, StatefulRedisConnection::async), prefix);
        }
        try {
            connections.commands();
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "Redis unreachable at start-up (" + e.getMessage() + "); will retry");
        }
        return connections;
    }

    /**
     * Lettuce 7 enables every adaptive trigger by default (its enableAdaptiveRefreshTrigger and
     * enableAllAdaptiveRefreshTriggers are deprecated no-ops), but refreshes only after 5 failed reconnects to a node
     * and at most once every 5 s: the refresh that runs while the dead primary is still listed blocks the one that
     * would see its replica promoted, for up to 7 s. Here a node that fails {@code reconnect-attempts} reconnects
     * triggers a refresh, at most one per {@code min-interval}, and a periodic refresh catches what no trigger sees.
     */
    private static ClusterTopologyRefreshOptions topologyRefresh(RedisSettings.Recovery recovery) {
        return ClusterTopologyRefreshOptions.builder()
                .refreshTriggersReconnectAttempts(recovery.refreshAfterReconnectAttempts())
                .adaptiveRefreshTriggersTimeout(recovery.refreshMinInterval())
                .enablePeriodicRefresh(recovery.refreshPeriod())
                .build();
    }

    /**
     * Opens the connection to every primary now. Lettuce opens them on first use and rejects the first commands sent
     * to a node while its connection is still opening: the first requests after start-up would be refused.
     */
    private static StatefulRedisClusterConnection<String, String> toEveryPrimary(
            StatefulRedisClusterConnection<String, String> connection) {
        try {
            for (RedisClusterNode node : connection.getPartitions()) {
                if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                    var unused = connection.getConnection(node.getUri().getHost(), node.getUri().getPort(),
                            ConnectionIntent.WRITE);
                }
            }
            return connection;
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** Closes the client, then the resources it was given (whose threads are daemons: nothing to wait for). */
    private static AutoCloseable closer(AbstractRedisClient client, ClientResources resources) {
        return () -> {
            client.shutdown();
            var unused = resources.shutdown();
        };
    }

    /** The shared connection and the batching one (no auto-flush), standalone or cluster alike. */
    private static <C extends StatefulConnection<String, String>> Link link(Supplier<C> connect, Duration timeout,
            Function<C, ? extends RedisClusterCommands<String, String>> sync,
            Function<C, ? extends RedisClusterAsyncCommands<String, String>> async) {
        C shared = connect.get();
        shared.setTimeout(timeout);
        C batching;
        try {
            batching = connect.get();
        } catch (RuntimeException e) {
            shared.close();
            throw e;
        }
        batching.setTimeout(timeout);
        batching.setAutoFlushCommands(false);
        return new Link(shared, sync.apply(shared), async.apply(shared), batching, async.apply(batching));
    }

    /**
     * Synchronous commands.
     *
     * @throws io.lettuce.core.RedisException when Redis cannot be reached
     */
    public RedisClusterCommands<String, String> commands() {
        return link().commands();
    }

    /**
     * The shared connection's asynchronous commands: commands issued one after another without waiting in between go
     * out together and share one round trip. Wait for each with {@link #await}.
     *
     * @throws io.lettuce.core.RedisException when Redis cannot be reached
     */
    public RedisClusterAsyncCommands<String, String> async() {
        return link().async();
    }

    /**
     * Waits for a command issued on {@link #async()}, at most the command timeout.
     *
     * @param command the command's future
     * @param <T> result type
     * @return its result
     * @throws io.lettuce.core.RedisException when it failed or timed out
     */
    public <T> T await(RedisFuture<T> command) {
        return LettuceFutures.awaitOrCancel(command, link().connection().getTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /**
     * Issues a command on a connection of its own whose commands are sent together: it goes out with the next
     * {@link #flushBatch()}, which the caller makes once it has issued what goes together (the chunks of an answer
     * that arrived together, then it waits for them). Commands issued here reach Redis in the order they were issued.
     *
     * @param command the command, on the batching connection's asynchronous interface
     * @param <T> result type
     * @return the command's future
     * @throws io.lettuce.core.RedisException when Redis cannot be reached
     */
    public <T> RedisFuture<T> batched(Function<RedisClusterAsyncCommands<String, String>, RedisFuture<T>> command) {
        return command.apply(link().batch());
    }

    /**
     * Issues a command nobody waits for (the renewal of a lease) like {@link #batched}; it goes out with the next
     * flush, at most {@value #BATCH_WINDOW_MICROS} µs later.
     *
     * @param command the command, on the batching connection's asynchronous interface
     * @param <T> result type
     * @return the command's future
     * @throws io.lettuce.core.RedisException when Redis cannot be reached
     */
    public <T> RedisFuture<T> eventually(
            Function<RedisClusterAsyncCommands<String, String>, RedisFuture<T>> command) {
        RedisFuture<T> future = batched(command);
        if (flushPending.compareAndSet(false, true)) {
            try {
                // the flush reports nothing: a failed command completes its own future exceptionally
                var unused = flusher.schedule(this::timedFlush, BATCH_WINDOW_MICROS, TimeUnit.MICROSECONDS);
            } catch (RejectedExecutionException e) {
                timedFlush(); // closing
            }
        }
        return future;
    }

    /** Sends the batched commands now. */
    public void flushBatch() {
        Link current = link;
        if (current != null) {
            flush(current);
        }
    }

    private void timedFlush() {
        flushPending.set(false);
        flushBatch();
    }

    private void flush(Link current) {
        // one flush at a time: two threads flushing at once can hand their parts of the buffer to Netty in the wrong
        // order, and a command can then reach Redis before one issued earlier (an answer's XADDs must come in order:
        // stream ids must grow). One flush per batch of chunks, not per chunk, so the lock is not contended much
        flushLock.lock();
        try {
            current.batchConnection().flushCommands();
        } finally {
            flushLock.unlock();
        }
    }

    private Link link() {
        Link current = link;
        if (current != null) {
            return current;
        }
        lock.lock();
        try {
            if (link == null) {
                long now = System.nanoTime();
                if (now - nextAttempt < 0) {
                    throw new RedisConnectionException("Redis not connected");
                }
                try {
                    link = connector.get();
                } catch (RuntimeException e) {
                    nextAttempt = now + RETRY_NANOS;
                    throw e;
                }
            }
            return link;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the connection is up right now. */
    public boolean connected() {
        Link current = link;
        return current != null && current.connection().isOpen();
    }

    /** A key with the deployment prefix. */
    public String key(String suffix) {
        return prefix + suffix;
    }

    /** Measures a PING; -1 when Redis does not answer. */
    public long pingMillis() {
        long start = System.nanoTime();
        try {
            commands().ping();
            return (System.nanoTime() - start) / 1_000_000;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * Runs a script by SHA, loading it first if Redis does not know it (after a restart or a SCRIPT FLUSH).
     *
     * @param script the script
     * @param keys keys
     * @param args arguments
     * @return the script's array result
     */
    public List<Object> eval(Script script, String[] keys, String... args) {
        RedisClusterCommands<String, String> commands = commands();
        try {
            return commands.evalsha(script.sha(), ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            commands.scriptLoad(script.source());
            return commands.evalsha(script.sha(), ScriptOutputType.MULTI, keys, args);
        }
    }

    /**
     * Sends a script by SHA on the shared connection without waiting for it (see {@link #async()}); awaiting the
     * result loads the script and runs it again if Redis did not know it.
     *
     * @param script the script
     * @param keys keys
     * @param args arguments
     * @return the script's array result, once awaited
     * @throws io.lettuce.core.RedisException when Redis cannot be reached
     */
    public Pending<List<Object>> startEval(Script script, String[] keys, String... args) {
        RedisFuture<List<Object>> sent = async().evalsha(script.sha(), ScriptOutputType.MULTI, keys, args);
        return () -> {
            try {
                return await(sent);
            } catch (RedisNoScriptException e) {
                return eval(script, keys, args);
            }
        };
    }

    @Override
    public void close() {
        try {
            flusher.shutdownNow();
            Link current = link;
            if (current != null) {
                flush(current);
                current.batchConnection().close();
                current.connection().close();
            }
            client.close();
        } catch (Exception e) {
            LOGGER.log(Level.DEBUG, "Closing Redis: " + e.getMessage());
        }
    }

    private record Link(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> commands,
            RedisClusterAsyncCommands<String, String> async, StatefulConnection<String, String> batchConnection,
            RedisClusterAsyncCommands<String, String> batch) {
    }

    /**
     * A Lua script and its SHA-1.
     *
     * @param source the script
     * @param sha its SHA-1, as Redis names it
     */
    public record Script(String source, String sha) {
        /** Loads a script from the classpath. */
        public static Script load(String resource) {
            try (var in = RedisConnections.class.getResourceAsStream(resource)) {
                String source = new String(Objects.requireNonNull(in, resource).readAllBytes(),
                        StandardCharsets.UTF_8);
                byte[] digest = MessageDigest.getInstance("SHA-1")
                        .digest(source.getBytes(StandardCharsets.UTF_8));
                return new Script(source, HexFormat.of().formatHex(digest));
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
