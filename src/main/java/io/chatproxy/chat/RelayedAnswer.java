package io.chatproxy.chat;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import io.chatproxy.upstream.AnswerStream;

/**
 * The watchdog of one open stream, on its own virtual thread: sends the heartbeat, and aborts the upstream when the
 * answer is silent too long or the server shuts down. Aborting closes the upstream connection, which wakes the relay
 * from its blocking read; the relay then asks {@link #abortReason()} why.
 */
final class RelayedAnswer {
    private final AnswerStream answer;
    private final SseStream emitter;
    private final StreamSettings settings;
    private final Thread thread;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean started;
    private volatile boolean finished;
    private volatile String abortReason;

    RelayedAnswer(AnswerStream answer, SseStream emitter, StreamSettings settings) {
        this.answer = answer;
        this.emitter = emitter;
        this.settings = settings;
        this.thread = Thread.ofVirtual().name("sse-watchdog").unstarted(this::watch);
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
        long nextBeat = System.nanoTime() + heartbeat;
        while (!finished) {
            long now = System.nanoTime();
            Duration limit = started ? settings.idleTimeout() : settings.firstChunkTimeout();
            long deadline = lastActivity + limit.toNanos();
            if (now - deadline >= 0) {
                abort("upstream_timeout");
                return;
            }
            if (now - nextBeat >= 0) {
                if (!emitter.comment("ping")) {
                    abort("client_gone");
                    return;
                }
                nextBeat = now + heartbeat;
            }
            LockSupport.parkNanos(Math.max(1_000_000L, Math.min(deadline, nextBeat) - now));
        }
    }
}
