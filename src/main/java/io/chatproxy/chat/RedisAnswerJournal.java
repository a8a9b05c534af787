package io.chatproxy.chat;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import io.chatproxy.redis.RedisConnections;
import io.chatproxy.tracing.Spans;

/**
 * The journal shared by every replica: each answer is a Redis Stream {@code answer:{<id>}} with one entry per batch
 * of chunks that arrived together, named after the sequence number of its last chunk ({@code <seq>-0}), closed by an
 * ending entry; a lease key {@code answer:{<id>}:lease} is held by the replica relaying from n8n and renewed while it
 * works. Writes go out on a batching connection (see {@link RedisConnections#batched}): the chunks that arrived
 * together are one entry, sent and waited for once before the relay shows them, so a replica killed outright has
 * never shown text that its journal (and so the answer a resuming client gets) lacks; the lease renewals are not
 * waited for; the ending is, after every chunk. A Redis failure never breaks the relay: it only makes the answer
 * non-resumable (logged once per answer).
 */
public final class RedisAnswerJournal implements AnswerJournal {
    private static final System.Logger LOGGER = System.getLogger(RedisAnswerJournal.class.getName());
    private static final Duration IN_FLIGHT_TTL = Duration.ofHours(2);
    /** A waiting reader polls after this pause, doubling it while nothing new comes, up to {@link #MAX_POLL}. */
    private static final Duration FIRST_POLL = Duration.ofMillis(10);
    private static final Duration MAX_POLL = Duration.ofMillis(200);
    private static final int MAX_WARNED = 10_000;

    private final RedisConnections redis;
    private final Duration resumeTtl;
    private final Duration lease;
    private final Map<String, Boolean> warned = new ConcurrentHashMap<>();
    private final Map<String, Writes> writes = new ConcurrentHashMap<>();

    /**
     * Creates the journal.
     *
     * @param redis Redis
     * @param resumeTtl how long an ended answer can be resumed
     * @param lease how long a lease lasts without renewal
     */
    public RedisAnswerJournal(RedisConnections redis, Duration resumeTtl, Duration lease) {
        this.redis = redis;
        this.resumeTtl = resumeTtl;
        this.lease = lease;
    }

    @Override
    public void begin(String messageId) {
        later(messageId, c -> c.set(leaseKey(messageId), "1", SetArgs.Builder.px(lease.toMillis())));
        // at once: a client may resume from another replica as soon as it has the start event
        redis.flushBatch();
    }

    @Override
    public void renew(String messageId) {
        try {
            var unused = watched(messageId, redis.eventually(c -> c.pexpire(leaseKey(messageId), lease.toMillis())));
        } catch (RuntimeException e) {
            warnOnce(messageId, e);
        }
    }

    @Override
    public void append(String messageId, int firstSeq, List<String> texts) {
        long start = System.nanoTime();
        String key = streamKey(messageId);
        List<RedisFuture<?>> sent = new ArrayList<>(2);
        try {
            CommandArgs<String, String> entry = entry(key, firstSeq, texts);
            sent.add(redis.batched(c -> c.dispatch(CommandType.XADD, new StatusOutput<>(StringCodec.UTF8), entry)));
            if (firstSeq == 1) {
                sent.add(redis.batched(c -> c.pexpire(key, IN_FLIGHT_TTL.toMillis())));
            }
        } catch (RuntimeException e) {
            warnOnce(messageId, e);
        }
        if (sent.isEmpty()) {
            return;
        }
        // one round trip for the lot, in Redis before the relay shows them; the connection answers in order, so when
        // the last reply is in, every other one is
        redis.flushBatch();
        if (quietly(messageId, () -> sent.getLast().toCompletableFuture().join())) {
            for (RedisFuture<?> command : sent) {
                if (command.toCompletableFuture().isCompletedExceptionally()) {
                    quietly(messageId, () -> command.toCompletableFuture().join());
                }
            }
        }
        writes.computeIfAbsent(messageId, id -> new Writes()).add(System.nanoTime() - start);
    }

    /**
     * The stream entry of chunks that arrived together is named after the last of them: a read from any sequence
     * number onwards ({@code XRANGE <seq>-0 +}) starts at the entry that holds it.
     */
    private static String entryId(int firstSeq, int count) {
        return (firstSeq + count - 1) + "-0";
    }

    /**
     * {@code XADD <key> <id> <fields>}. One chunk is {@code t=c x=<text>}; several are one entry
     * {@code t=b s=<first seq> 0=<text> 1=<text> ...}, so that a batch is one command for Lettuce to encode and Redis
     * to answer, not one per chunk. The texts go as UTF-8 bytes: Lettuce's string codec writes a string into Netty's
     * direct buffer one byte at a time (Netty has no {@code Unsafe} on JDK 24 and later), which was 4 % of the CPU of a
     * busy relay.
     */
    private static CommandArgs<String, String> entry(String key, int firstSeq, List<String> texts) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey(key)
                .add(entryId(firstSeq, texts.size()));
        if (texts.size() == 1) {
            return args.add("t").add("c").add("x").add(texts.getFirst().getBytes(StandardCharsets.UTF_8));
        }
        args.add("t").add("b").add("s").add(firstSeq);
        for (int i = 0; i < texts.size(); i++) {
            args.add(i).add(texts.get(i).getBytes(StandardCharsets.UTF_8));
        }
        return args;
    }

    /** The chunks an entry holds (none for an ending), in order. */
    private static List<Chunk> chunksOf(StreamMessage<String, String> entry) {
        Map<String, String> body = entry.getBody();
        return switch (body.getOrDefault("t", "")) {
            case "c" -> List.of(new Chunk(sequenceOf(entry), body.get("x")));
            case "b" -> {
                int first = Integer.parseInt(body.get("s"));
                List<Chunk> chunks = new ArrayList<>(body.size() - 2);
                for (int i = 0; body.containsKey(Integer.toString(i)); i++) {
                    chunks.add(new Chunk(first + i, body.get(Integer.toString(i))));
                }
                yield chunks;
            }
            default -> List.of();
        };
    }

    private static int sequenceOf(StreamMessage<String, String> entry) {
        return Integer.parseInt(entry.getId().substring(0, entry.getId().indexOf('-')));
    }

    @Override
    public void finish(String messageId, int lastSeq, Ending ending) {
        String key = streamKey(messageId);
        Map<String, String> fields = ending.normal()
                ? Map.of("t", "e")
                : Map.of("t", "f", "code", ending.code(), "message", ending.message());
        // after every chunk of the answer, and waited for: once this returns, a reader sees the whole answer and its
        // ending
        Writes done = writes.remove(messageId);
        // one span per answer for the journal's writes, not one per chunk or per batch: their waits are summed here
        try (Spans.Child span = Spans.redis("XADD", "answer").attribute("chat.chunks", lastSeq)) {
            if (done != null) {
                span.attribute("chat.journal.writes", done.count)
                        .attribute("chat.journal.write_wait_us", done.nanos / 1_000);
            }
            later(messageId, c -> c.xadd(key, new XAddArgs().id((lastSeq + 1) + "-0"), fields));
            later(messageId, c -> c.pexpire(key, resumeTtl.toMillis()));
            RedisFuture<Long> released = issue(messageId, c -> c.del(leaseKey(messageId)));
            redis.flushBatch();
            if (released != null && !quietly(messageId, () -> released.toCompletableFuture().join())) {
                span.error("journal_write_failed");
            }
        }
        warned.remove(messageId);
    }

    @Override
    @SuppressWarnings("try") // the span is current while Redis answers
    public Replay read(String messageId, int afterSeq, Duration wait) {
        if (!wait.isZero()) {
            // following a live answer: no span, the time goes to waiting for n8n, not Redis (one per chunk)
            return readOrFail(messageId, afterSeq, wait);
        }
        // the catch-up read of a resume: what the client missed
        try (Spans.Child span = Spans.redis("XRANGE", "answer")) {
            Replay replay = span.call(() -> readOrFail(messageId, afterSeq, wait));
            span.attribute("chat.chunks", replay.chunks().size());
            return replay;
        }
    }

    private Replay readOrFail(String messageId, int afterSeq, Duration wait) {
        try {
            return readOnce(messageId, afterSeq, wait);
        } catch (RedisException e) {
            throw new UnavailableException(e);
        }
    }

    private Replay readOnce(String messageId, int afterSeq, Duration wait) {
        String key = streamKey(messageId);
        Range<String> after = Range.create(afterSeq + 1 + "-0", "+");
        List<StreamMessage<String, String>> entries = redis.commands().xrange(key, after);
        // polled rather than XREAD BLOCK: a blocking read would hold up every other command on the shared connection;
        // backing off keeps an idle resume to a few commands a second
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = FIRST_POLL.toNanos();
        while (entries.isEmpty() && deadline - System.nanoTime() > 0
                && pause(Math.min(pause, deadline - System.nanoTime()))) {
            entries = redis.commands().xrange(key, after);
            pause = Math.min(pause * 2, MAX_POLL.toNanos());
        }
        boolean alive = redis.commands().exists(leaseKey(messageId)) > 0;
        boolean known = !entries.isEmpty() || alive || redis.commands().exists(key) > 0;
        List<Chunk> chunks = new ArrayList<>();
        Optional<Ending> ending = Optional.empty();
        for (StreamMessage<String, String> entry : entries) {
            Map<String, String> body = entry.getBody();
            switch (body.getOrDefault("t", "")) {
                case "e" -> ending = Optional.of(Ending.END);
                case "f" -> ending = Optional.of(new Ending(body.get("code"), body.get("message")));
                default -> {
                    // the first entry can hold chunks the reader already has
                    for (Chunk chunk : chunksOf(entry)) {
                        if (chunk.seq() > afterSeq) {
                            chunks.add(chunk);
                        }
                    }
                }
            }
        }
        return new Replay(known, chunks, ending, alive);
    }

    private static boolean pause(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(Math.max(nanos, 0)));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    @SuppressWarnings("try") // the span is current while Redis answers
    public List<String> chunks(String messageId) {
        try (Spans.Child span = Spans.redis("XRANGE", "answer")) {
            return span.call(() -> chunkTexts(messageId));
        } catch (RedisException e) {
            throw new UnavailableException(e);
        }
    }

    private List<String> chunkTexts(String messageId) {
        return redis.commands().xrange(streamKey(messageId), Range.create("-", "+")).stream()
                .flatMap(entry -> chunksOf(entry).stream())
                .map(Chunk::text)
                .toList();
    }

    /** The journal's waited writes for one answer (only its relay adds to them): round trips and their time. */
    private static final class Writes {
        private int count;
        private long nanos;

        void add(long waited) {
            count++;
            nanos += waited;
        }
    }

    private String streamKey(String messageId) {
        return redis.key("answer:{" + messageId + "}");
    }

    private String leaseKey(String messageId) {
        return redis.key("answer:{" + messageId + "}:lease");
    }

    /** Runs a call; a failure is logged (once per answer); returns whether it succeeded. */
    private boolean quietly(String messageId, Runnable call) {
        try {
            call.run();
            return true;
        } catch (RuntimeException e) {
            warnOnce(messageId, e);
            return false;
        }
    }

    /** Issues a batched command without waiting for it; a failure is logged when it is known. */
    private <T> void later(String messageId,
            Function<RedisClusterAsyncCommands<String, String>, RedisFuture<T>> command) {
        var unused = issue(messageId, command);
    }

    /** Issues a batched command; a failure is logged when it is known; null when it could not be issued. */
    private <T> RedisFuture<T> issue(String messageId,
            Function<RedisClusterAsyncCommands<String, String>, RedisFuture<T>> command) {
        try {
            return watched(messageId, redis.batched(command));
        } catch (RuntimeException e) {
            warnOnce(messageId, e);
            return null;
        }
    }

    /** Logs the command's failure when it is known. */
    private <T> RedisFuture<T> watched(String messageId, RedisFuture<T> future) {
        future.whenComplete((result, failure) -> {
            if (failure != null) {
                warnOnce(messageId, failure);
            }
        });
        return future;
    }

    private void warnOnce(String messageId, Throwable e) {
        if (warned.size() > MAX_WARNED) {
            warned.clear();
        }
        if (warned.putIfAbsent(messageId, Boolean.TRUE) == null) {
            LOGGER.log(Level.WARNING, "Answer " + messageId + " is not resumable: Redis failed ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
