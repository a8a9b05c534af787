package io.chatproxy.upstream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.ClientConnection;
import io.helidon.webclient.api.WebClientServiceRequest;
import io.helidon.webclient.api.WebClientServiceResponse;
import io.helidon.webclient.spi.WebClientService;
import io.helidon.webclient.spi.WebClientService.Chain;

/**
 * The raw body of a chunked answer, which tells how much can be read without waiting for the network. Helidon's own
 * stream returns one HTTP chunk per read and says nothing ({@code available()} is 0), while n8n sends one line per HTTP
 * chunk: a burst of lines lies in the connection's buffer, read from the socket at once, and only the connection
 * knows. Here {@link #available()} is positive when the next read returns a whole HTTP chunk (or the end of the body)
 * from that buffer, so the relay can take a burst together ({@link AnswerStream#poll()}) without ever waiting on the
 * socket. The answer is still read through Helidon's entity stream above this one (which keeps the connection's
 * keep-alive bookkeeping); that stream hides {@code available()}, hence {@link Capture}.
 */
final class ChunkedBody extends FilterInputStream {
    /** The longest chunk-size line parsed: hex digits and CRLF (an extension, which n8n never sends, gives up). */
    private static final int MAX_SIZE_LINE = 18;

    private final DataReader connection;
    private boolean ended;

    private ChunkedBody(InputStream body, DataReader connection) {
        super(body);
        this.connection = connection;
    }

    /**
     * The client service that wraps the raw body of every chunked, unencoded HTTP/1 answer, and hands it to the thread
     * that made the call (services run on that thread, inside {@code submit}).
     */
    static final class Capture implements WebClientService {
        // one per client, which lives as long as the application: an instance field, not static state
        @SuppressWarnings("ThreadLocalUsage")
        private final ThreadLocal<ChunkedBody> caught = new ThreadLocal<>();

        @Override
        public WebClientServiceResponse handle(Chain chain, WebClientServiceRequest request) {
            caught.remove();
            WebClientServiceResponse response = chain.proceed(request);
            boolean chunked = response.headers().first(HeaderNames.TRANSFER_ENCODING)
                    .map(value -> value.equalsIgnoreCase("chunked")).orElse(false);
            boolean encoded = response.headers().contains(HeaderNames.CONTENT_ENCODING);
            if (chunked && !encoded && response.connection() instanceof ClientConnection connection
                    && response.inputStream().isPresent()) {
                ChunkedBody body = new ChunkedBody(response.inputStream().get(), connection.reader());
                caught.set(body);
                return WebClientServiceResponse.builder().from(response).inputStream(body).build();
            }
            return response;
        }

        /**
         * The raw body of this thread's last call, once.
         *
         * @return the body, or empty when the answer was not chunked
         */
        Optional<ChunkedBody> take() {
            ChunkedBody body = caught.get();
            caught.remove();
            return Optional.ofNullable(body);
        }
    }

    @Override
    public int read() throws IOException {
        int read = super.read();
        ended |= read < 0;
        return read;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int read = super.read(b, off, len);
        if (read < 0) {
            // the connection may serve another request from now on: its buffer is no longer this body's
            ended = true;
        }
        return read;
    }

    @Override
    public int available() throws IOException {
        if (ended) {
            return 0;
        }
        int own = super.available();
        return own > 0 ? own : nextChunkBuffered() ? 1 : 0;
    }

    /** Whether the connection's buffer holds the whole next HTTP chunk: its size line, its data and the CRLF after. */
    private boolean nextChunkBuffered() {
        int buffered = connection.available();
        if (buffered < 5) { // "0\r\n\r\n", the shortest
            return false;
        }
        // a view of what is buffered: neither consumed nor read from the socket
        BufferData head = connection.getBuffer(Math.min(buffered, MAX_SIZE_LINE));
        long size = 0;
        for (int i = 0; i < head.available() - 1; i++) {
            int b = head.get(i);
            if (b == '\r') {
                return i > 0 && head.get(i + 1) == '\n' && buffered >= i + 2 + size + 2;
            }
            int digit = Character.digit(b, 16);
            if (digit < 0) {
                return false;
            }
            size = size * 16 + digit;
        }
        return false;
    }
}
