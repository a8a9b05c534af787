package io.chatproxy.chat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/**
 * Writes text to the response as it comes, one flush per write, serialised (the relay and the heartbeat both write).
 * After the first failed write the client counts as gone and later writes are skipped.
 */
abstract class StreamingWriter implements AnswerWriter {
    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean gone;

    /**
     * Prepares a streamed response: its content type, and no caching or transformation by any proxy in between.
     *
     * @param res response
     * @param contentType content type of the stream
     */
    StreamingWriter(ServerResponse res, String contentType) {
        res.headers().set(HeaderNames.CONTENT_TYPE, contentType);
        res.headers().set(HeaderNames.CACHE_CONTROL, "no-cache, no-transform");
        res.headers().set(HeaderNames.create("X-Accel-Buffering"), "no");
        this.out = res.outputStream();
    }

    @Override
    public boolean gone() {
        return gone;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            gone = true;
        } finally {
            lock.unlock();
        }
    }

    /** Writes and flushes; false when the client is gone. */
    final boolean write(String text) {
        if (gone) {
            return false;
        }
        lock.lock();
        try {
            if (!gone) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
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
}
