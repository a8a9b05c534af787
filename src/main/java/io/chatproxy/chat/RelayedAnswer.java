package io.chatproxy.chat;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import io.chatproxy.upstream.AnswerStream;

/**
 * The watchdog of one answer in flight, on its own virtual thread: sends the heartbeat, renews the answer's lease in
 * the journal, and aborts the upstream when the answer is silent too long, when the server shuts down, or when the
 * browser is gone and the answer may not continue in the background. Aborting closes the upstream connection, which
 * wakes the relay from its blocking read; the relay then asks {@link #abortReason()} why.
 */
final class RelayedAnswer {
    private final AnswerStream answer;
    private final AnswerWriter writer;
    private final StreamSettings settings;
    private final Runnable renewLease;
    private final BooleanSupplier detach;
    private final Thread thread;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean started;
    private volatile boolean finished;
    private volatile boolean detached;
    private volatile String abortReason;

    /**
     * Creates the watchdog.
     *
     * @param answer the upstream answer
     * @param writer the client
     * @param settings timing
     * @param renewLease renews the answer's lease in the journal
     * @param detach asked once when the client is gone: true lets the answer continue in the background
     */
    RelayedAnswer(AnswerStream answer, AnswerWriter writer, StreamSettings settings, Runnable renewLease,
            BooleanSupplier detach) {
        this.answer = answer;
        this.writer = writer;
        this.settings = settings;
        this.renewLease = renewLease;
        this.detach = detach;
        this.thread = Thread.ofVirtual().name("answer-watchdog").unstarted(this::watch);
    }

    void start() {
        thread.start();
    }

    /** The upstream produced something. */
    void activity() {
        started = true;
        lastActivity = System.nanoTime();
    }

    /** The relay is done: stop watching. */
    void finish() {
        finished = true;
        LockSupport.unpark(thread);
    }

    /** Why the upstream was aborted: {@code upstream_timeout}, {@code client_gone}, {@code server_shutdown}, or null. */
    String abortReason() {
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
                abort("client_gone");
            }
        }
        return detached;
    }

    /** Whether the answer continues without its client. */
    boolean detached() {
        return detached;
    }

    void shutdown() {
        abort("server_shutdown");
    }

    private void abort(String reason) {
        if (abortReason == null) {
            abortReason = reason;
        }
        answer.close();
    }

    private void watch() {
        long heartbeat = settings.heartbeat().toNanos();
        long renewEvery = settings.lease().toNanos() / 3;
        long nextBeat = System.nanoTime() + heartbeat;
        long nextRenew = System.nanoTime() + renewEvery;
        while (!finished) {
            long now = System.nanoTime();
            long deadline = lastActivity + (started ? settings.idleTimeout() : settings.firstChunkTimeout()).toNanos();
            if (now - deadline >= 0) {
                abort("upstream_timeout");
                return;
            }
            if (now - nextRenew >= 0) {
                renewLease.run();
                nextRenew = now + renewEvery;
            }
            if (now - nextBeat >= 0) {
                if (!detached && !writer.heartbeat() && !clientGone()) {
                    return;
                }
                nextBeat = now + heartbeat;
            }
            LockSupport.parkNanos(Math.max(1_000_000L, Math.min(deadline, Math.min(nextBeat, nextRenew)) - now));
        }
    }
}
