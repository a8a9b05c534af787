package io.chatproxy.chat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The journal of one replica (embedded mode): answers in memory. An ended answer is kept for the resume TTL, or less
 * when the ended answers kept hold more than a budget of text (the oldest go first): a resume after that is served
 * from the database. Answers in flight are always kept. With a single replica the relay lives as long as the
 * process, so its lease never lapses.
 */
public final class LocalAnswerJournal implements AnswerJournal {
    /** Text kept of ended answers, at most (about 16 MB of heap). */
    public static final long DEFAULT_MAX_ENDED_CHARS = 8L * 1024 * 1024;

    private final Map<String, Entry> answers = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final long maxEndedChars;
    private final Clock clock;
    private final ReentrantLock endedLock = new ReentrantLock();
    private final ArrayDeque<Ended> ended = new ArrayDeque<>();
    private long endedChars;

    /**
     * Creates the journal.
     *
     * @param ttl how long an ended answer can be resumed
     * @param maxEndedChars most text kept of ended answers
     * @param clock time source
     */
    public LocalAnswerJournal(Duration ttl, long maxEndedChars, Clock clock) {
        this.ttl = ttl;
        this.maxEndedChars = maxEndedChars;
        this.clock = clock;
    }

    @Override
    public void begin(String messageId) {
        forgetEnded(null);
        answers.put(messageId, new Entry());
    }

    @Override
    public void renew(String messageId) {
    }

    @Override
    public void append(String messageId, int firstSeq, List<String> texts) {
        Entry entry = answers.get(messageId);
        if (entry != null) {
            entry.update(e -> {
                for (int i = 0; i < texts.size(); i++) {
                    e.chunks.add(new Chunk(firstSeq + i, texts.get(i)));
                    e.chars += texts.get(i).length();
                }
            });
        }
    }

    @Override
    public void finish(String messageId, int lastSeq, Ending ending) {
        Entry entry = answers.get(messageId);
        if (entry != null) {
            long[] chars = new long[1];
            entry.update(e -> {
                e.ending = ending;
                chars[0] = e.chars;
            });
            forgetEnded(new Ended(messageId, clock.instant(), chars[0]));
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

    /** Adds a newly ended answer (if any), then forgets the ended answers past the TTL or over the budget. */
    private void forgetEnded(Ended justEnded) {
        Instant cutoff = clock.instant().minus(ttl);
        endedLock.lock();
        try {
            if (justEnded != null) {
                ended.addLast(justEnded);
                endedChars += justEnded.chars();
            }
            while (!ended.isEmpty() && (ended.peekFirst().at().isBefore(cutoff) || endedChars > maxEndedChars)) {
                Ended oldest = ended.pollFirst();
                endedChars -= oldest.chars();
                answers.remove(oldest.messageId());
            }
        } finally {
            endedLock.unlock();
        }
    }

    private record Ended(String messageId, Instant at, long chars) {
    }

    @Override
    public void close() {
        // a closed application's answers cannot be resumed: a copy that lives on (the warm-up's, held by Helidon's
        // registry of every server it started) must not keep them
        answers.clear();
        endedLock.lock();
        try {
            ended.clear();
        } finally {
            endedLock.unlock();
        }
    }

    private static final class Entry {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final List<Chunk> chunks = new ArrayList<>();
        private Ending ending;
        private long chars;

        void update(Consumer<Entry> change) {
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
