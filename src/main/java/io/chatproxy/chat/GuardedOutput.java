package io.chatproxy.chat;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Supplier;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A response body that more than one thread writes (the relay and the heartbeat): writes are serialised and each is
 * flushed. After the first failed write the client counts as gone and later writes are skipped. The stream is opened
 * on the first write or on close, so a writer can set the status and headers just before (see
 * {@link WholeAnswerWriter}).
 */
final class GuardedOutput {
    private final Supplier<OutputStream> opener;
    private final ReentrantLock lock = new ReentrantLock();
    private OutputStream out;
    private volatile boolean gone;

    /**
     * Creates the output.
     *
     * @param opener opens the response's stream, once
     */
    GuardedOutput(Supplier<OutputStream> opener) {
        this.opener = opener;
    }

    /** Writes and flushes; false when the client is gone. */
    boolean write(byte[] bytes) {
        if (gone) {
            return false;
        }
        lock.lock();
        try {
            if (!gone) {
                stream().write(bytes);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // Helidon reports a closed client connection as ServerConnectionException or UncheckedIOException.
            gone = true;
        } finally {
            lock.unlock();
        }
        return !gone;
    }

    /** Whether the stream is open (the response is committed). */
    boolean opened() {
        lock.lock();
        try {
            return out != null;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a write failed. */
    boolean gone() {
        return gone;
    }

    /** Closes the stream, which ends the response. */
    void close() {
        lock.lock();
        try {
            stream().close();
        } catch (IOException | RuntimeException e) {
            gone = true;
        } finally {
            lock.unlock();
        }
    }

    private OutputStream stream() {
        if (out == null) {
            out = opener.get();
        }
        return out;
    }
}
