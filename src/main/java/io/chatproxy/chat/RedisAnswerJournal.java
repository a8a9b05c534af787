package io.chatproxy.chat;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;

import io.chatproxy.redis.RedisStore;

/**
 * The journal shared by every replica: each answer is a Redis Stream {@code answer:{<id>}} whose entry ids are the
 * chunk sequence numbers ({@code <seq>-0}), closed by an ending entry; a lease key {@code answer:{<id>}:lease} is held
 * by the replica relaying from n8n and renewed while it works. A Redis failure never breaks the relay: it only makes
 * the answer non-resumable (logged once per answer).
 */
public final class RedisAnswerJournal implements AnswerJournal {
    private static final System.Logger LOGGER = System.getLogger(RedisAnswerJournal.class.getName());
    private static final Duration IN_FLIGHT_TTL = Duration.ofHours(2);

    private final RedisStore redis;
    private final Duration resumeTtl;
    private final Duration lease;
    private final Map<String, AtomicBoolean> warned = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Creates the journal.
     *
     * @param redis Redis
     * @param resumeTtl how long an ended answer can be resumed
     * @param lease how long a lease lasts without renewal
     */
    public RedisAnswerJournal(RedisStore redis, Duration resumeTtl, Duration lease) {
        this.redis = redis;
        this.resumeTtl = resumeTtl;
        this.lease = lease;
    }

    @Override
    public void begin(String messageId) {
        quietly(messageId, () -> redis.commands().set(leaseKey(messageId), "1", SetArgs.Builder.px(lease.toMillis())));
    }

    @Override
    public void renew(String messageId) {
        quietly(messageId, () -> redis.commands().pexpire(leaseKey(messageId), lease.toMillis()));
    }

    @Override
    public void append(String messageId, int seq, String text) {
        quietly(messageId, () -> {
            String key = streamKey(messageId);
            redis.commands().xadd(key, new XAddArgs().id(seq + "-0"), Map.of("t", "c", "x", text));
            if (seq == 1) {
                redis.commands().pexpire(key, IN_FLIGHT_TTL.toMillis());
            }
        });
    }

    @Override
    public void finish(String messageId, int lastSeq, Ending ending) {
        quietly(messageId, () -> {
            String key = streamKey(messageId);
            Map<String, String> fields = ending.normal()
                    ? Map.of("t", "e")
                    : Map.of("t", "f", "code", ending.code(), "message", ending.message());
            redis.commands().xadd(key, new XAddArgs().id((lastSeq + 1) + "-0"), fields);
            redis.commands().pexpire(key, resumeTtl.toMillis());
            redis.commands().del(leaseKey(messageId));
        });
        warned.remove(messageId);
    }

    @Override
    public Replay read(String messageId, int afterSeq, Duration wait) {
        String key = streamKey(messageId);
        List<StreamMessage<String, String>> entries = redis.commands().xrange(key,
                io.lettuce.core.Range.create(afterSeq + 1 + "-0", "+"));
        if (entries.isEmpty() && !wait.isZero()) {
            long block = Math.min(wait.toMillis(), 500);
            List<StreamMessage<String, String>> fresh = readAfter(key, afterSeq, block);
            entries = fresh == null ? List.of() : fresh;
        }
        boolean alive = redis.commands().exists(leaseKey(messageId)) > 0;
        boolean known = !entries.isEmpty() || alive || redis.commands().exists(key) > 0;
        List<Chunk> chunks = new ArrayList<>();
        Optional<Ending> ending = Optional.empty();
        for (StreamMessage<String, String> entry : entries) {
            Map<String, String> body = entry.getBody();
            int seq = Integer.parseInt(entry.getId().substring(0, entry.getId().indexOf('-')));
            switch (body.getOrDefault("t", "")) {
                case "c" -> chunks.add(new Chunk(seq, body.get("x")));
                case "e" -> ending = Optional.of(Ending.END);
                case "f" -> ending = Optional.of(new Ending(body.get("code"), body.get("message")));
                default -> {
                }
            }
        }
        return new Replay(known, chunks, ending, alive);
    }

    // Lettuce's xread takes StreamOffset varargs, a generic array javac cannot check: one offset, safe.
    @SuppressWarnings("unchecked")
    private List<StreamMessage<String, String>> readAfter(String key, int afterSeq, long blockMillis) {
        return redis.commands().xread(XReadArgs.Builder.block(blockMillis).count(1000),
                XReadArgs.StreamOffset.from(key, afterSeq + "-0"));
    }

    @Override
    public List<String> chunks(String messageId) {
        return redis.commands().xrange(streamKey(messageId), io.lettuce.core.Range.create("-", "+")).stream()
                .filter(e -> "c".equals(e.getBody().get("t")))
                .map(e -> e.getBody().get("x"))
                .toList();
    }

    private String streamKey(String messageId) {
        return redis.key("answer:{" + messageId + "}");
    }

    private String leaseKey(String messageId) {
        return redis.key("answer:{" + messageId + "}:lease");
    }

    private void quietly(String messageId, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            if (warned.computeIfAbsent(messageId, id -> new AtomicBoolean()).compareAndSet(false, true)) {
                LOGGER.log(Level.WARNING, "Answer " + messageId + " is not resumable: Redis failed ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
    }
}
