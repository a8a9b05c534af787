package io.chatproxy.chat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The journal of one replica (embedded mode): answers in memory, kept for the resume TTL after they end. With a
 * single replica the relay lives as long as the process, so its lease never lapses.
 */
public final class LocalAnswerJournal implements AnswerJournal {
    private final Map<String, Entry> answers = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final Clock clock;

    /**
     * Creates the journal.
     *
     * @param ttl how long an ended answer can be resumed
     * @param clock time source
     */
    public LocalAnswerJournal(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public void begin(String messageId) {
        expireOld();
        answers.put(messageId, new Entry());
    }

    @Override
    public void renew(String messageId) {
    }

    @Override
    public void append(String messageId, int seq, String text) {
        Entry entry = answers.get(messageId);
        if (entry != null) {
            entry.update(e -> e.chunks.add(new Chunk(seq, text)));
        }
    }

    @Override
    public void finish(String messageId, int lastSeq, Ending ending) {
        Entry entry = answers.get(messageId);
        if (entry != null) {
            entry.update(e -> {
                e.ending = ending;
                e.endedAt = clock.instant();
            });
        }
    }

    @Override
    public Replay read(String messageId, int afterSeq, Duration wait) {
        Entry entry = answers.get(messageId);
        if (entry == null) {
            return new Replay(false, List.of(), Optional.empty(), false);
        }
        return entry.read(afterSeq, wait);
    }

    @Override
    public List<String> chunks(String messageId) {
        Entry entry = answers.get(messageId);
        return entry == null ? List.of() : entry.read(0, Duration.ZERO).chunks().stream().map(Chunk::text).toList();
    }

    private void expireOld() {
        Instant cutoff = clock.instant().minus(ttl);
        answers.values().removeIf(e -> e.endedAt != null && e.endedAt.isBefore(cutoff));
    }

    private static final class Entry {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final List<Chunk> chunks = new ArrayList<>();
        private Ending ending;
        private volatile Instant endedAt;

        void update(java.util.function.Consumer<Entry> change) {
            lock.lock();
            try {
                change.accept(this);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        Replay read(int afterSeq, Duration wait) {
            lock.lock();
            try {
                long nanos = wait.toNanos();
                while (after(afterSeq).isEmpty() && ending == null && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
                return new Replay(true, after(afterSeq), Optional.ofNullable(ending), true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Replay(true, after(afterSeq), Optional.ofNullable(ending), true);
            } finally {
                lock.unlock();
            }
        }

        private List<Chunk> after(int seq) {
            return chunks.stream().filter(c -> c.seq() > seq).toList();
        }
    }
}
