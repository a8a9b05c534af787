package io.chatproxy.chat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/**
 * A Server-Sent Events response written straight to the response stream, one flush per event. Helidon's
 * {@code SseSink} would force {@code Cache-Control: no-cache}; the {@code no-transform} sent here keeps compressing
 * proxies from buffering the stream. Writes are serialised (the relay and the heartbeat both write), and after the
 * first failed write the browser counts as gone and every later write is skipped.
 */
final class SseStream implements AutoCloseable {
    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean gone;

    SseStream(ServerResponse res) {
        res.headers().set(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.headers().set(HeaderNames.CACHE_CONTROL, "no-cache, no-transform");
        res.headers().set(HeaderNames.create("X-Accel-Buffering"), "no");
        this.out = res.outputStream();
    }

    /**
     * Sends an event.
     *
     * @param name event name
     * @param id event id, or null
     * @param data one line of data (JSON)
     * @return false when the browser is gone
     */
    boolean event(String name, String id, String data) {
        StringBuilder text = new StringBuilder(data.length() + 64);
        if (id != null) {
            text.append("id: ").append(id).append('\n');
        }
        text.append("event: ").append(name).append('\n').append("data: ").append(data).append("\n\n");
        return write(text.toString());
    }

    /** Sends a comment line (heartbeat); false when the browser is gone. */
    boolean comment(String text) {
        return write(": " + text + "\n\n");
    }

    /** Whether a write has failed. */
    boolean gone() {
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

    private boolean write(String text) {
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
