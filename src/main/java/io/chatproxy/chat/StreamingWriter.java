package io.chatproxy.chat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/**
 * Writes text to the response as it comes, through a {@link GuardedOutput} (one flush per write, serialised, skipped
 * once the client is gone). The chunks that arrived together are built in one reusable buffer and go out in one write.
 */
abstract class StreamingWriter implements AnswerWriter {
    // a rare huge batch does not stay allocated for the rest of the answer
    private static final int MAX_KEPT_CHARS = 64 * 1024;
    private final GuardedOutput out;
    private final StringBuilder batch = new StringBuilder(256);

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
        OutputStream stream = res.outputStream();
        this.out = new GuardedOutput(() -> stream);
    }

    @Override
    public boolean gone() {
        return out.gone();
    }

    @Override
    public void close() {
        out.close();
    }

    /** Writes and flushes; false when the client is gone. */
    final boolean write(String text) {
        return out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The empty buffer a batch of chunks is built in: only the relaying thread uses it (not the heartbeat). */
    final StringBuilder batch() {
        batch.setLength(0);
        return batch;
    }

    /** Writes and flushes what was built in {@link #batch()}; false when the client is gone. */
    final boolean writeBatch() {
        boolean written = write(batch.toString());
        if (batch.capacity() > MAX_KEPT_CHARS) {
            batch.setLength(0);
            batch.trimToSize();
        }
        return written;
    }
}
