package io.chatproxy.chat;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import io.chatproxy.upstream.AnswerStream;

/**
 * What is watched of one answer in flight: the {@link StreamWatchdog}'s timer calls {@link #check(long)} a few times
 * a second, which sends the heartbeat, renews the answer's lease in the journal, and aborts the upstream when the
 * answer is silent too long. The relay aborts it too when the server shuts down, or when the browser is gone and the
 * answer may not continue in the background. Aborting closes the upstream connection, which wakes the relay from its
 * blocking read; the relay then asks {@link #abortReason()} why. One timer for all answers instead of a thread per
 * answer keeps an open stream down to the memory of its connections.
 */
final class RelayedAnswer {
    private final AnswerStream answer;
    private final AnswerWriter writer;
    private final Runnable renewLease;
    private final BooleanSupplier detach;
    private final long firstChunkTimeout;
    private final long idleTimeout;
    private final Cadence heartbeat;
    private final Cadence renewal;
    private final AtomicBoolean beating = new AtomicBoolean();
    private volatile long lastActivity;
    private volatile boolean started;
    private volatile boolean finished;
    private volatile boolean detached;
    private volatile AbortReason abortReason;

    /**
     * Creates the watched answer; the watch starts when it is added to {@link ActiveStreams}.
     *
     * @param answer the upstream answer
     * @param writer the client
     * @param settings timing
     * @param renewLease renews the answer's lease in the journal (must not block)
     * @param detach asked once when the client is gone: true lets the answer continue in the background
     */
    RelayedAnswer(AnswerStream answer, AnswerWriter writer, StreamSettings settings, Runnable renewLease,
            BooleanSupplier detach) {
        this.answer = answer;
        this.writer = writer;
        this.renewLease = renewLease;
        this.detach = detach;
        this.firstChunkTimeout = settings.firstChunkTimeout().toNanos();
        this.idleTimeout = settings.idleTimeout().toNanos();
        long now = System.nanoTime();
        this.lastActivity = now;
        this.heartbeat = new Cadence(settings.heartbeat(), now);
        this.renewal = new Cadence(settings.lease().dividedBy(3), now);
    }

    /** The upstream produced something. */
    void activity() {
        started = true;
        lastActivity = System.nanoTime();
    }

    /** The relay is done: stop watching. */
    void finish() {
        finished = true;
    }

    /** Why the upstream was aborted, or null. */
    AbortReason abortReason() {
        return abortReason;
    }

    /**
     * The client is gone: decide (once) whether the answer continues in the background.
     *
     * @return true when it continues
     */
    synchronized boolean clientGone() {
        if (!detached && abortReason == null) {
            detached = detach.getAsBoolean();
            if (!detached) {
                abort(AbortReason.CLIENT_GONE);
            }
        }
        return detached;
    }

    /** Whether the answer continues without its client. */
    boolean detached() {
        return detached;
    }

    void shutdown() {
        abort(AbortReason.SERVER_SHUTDOWN);
    }

    /**
     * Does what is due at {@code now}; called by the watchdog's one timer thread, so it never blocks: writes and
     * aborts (closing a connection) run on virtual threads of their own.
     *
     * @param now {@link System#nanoTime()}
     */
    void check(long now) {
        if (finished || abortReason != null) {
            return;
        }
        long deadline = lastActivity + (started ? idleTimeout : firstChunkTimeout);
        if (now - deadline >= 0) {
            abortReason(AbortReason.UPSTREAM_TIMEOUT);
            Thread.ofVirtual().name("answer-timeout").start(answer::close);
            return;
        }
        if (renewal.due(now)) {
            renewLease.run();
        }
        if (heartbeat.due(now) && !detached && beating.compareAndSet(false, true)) {
            Thread.ofVirtual().name("answer-heartbeat").start(this::beat);
        }
    }

    private void beat() {
        try {
            if (!finished && !writer.heartbeat()) {
                clientGone();
            }
        } finally {
            beating.set(false);
        }
    }

    private void abort(AbortReason reason) {
        abortReason(reason);
        answer.close();
    }

    private synchronized void abortReason(AbortReason reason) {
        if (abortReason == null) {
            abortReason = reason;
        }
    }
}
