package io.chatproxy.chat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/**
 * Writes text to the response as it comes, through a {@link GuardedOutput} (one flush per write, serialised, skipped
 * once the client is gone).
 */
abstract class StreamingWriter implements AnswerWriter {
    private final GuardedOutput out;

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
}
