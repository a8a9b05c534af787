package io.chatproxy.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Splits a byte stream into UTF-8 lines as the bytes arrive, whatever the packet boundaries: a line split across
 * reads, several lines in one read and a multi-byte character split across reads all come out whole. A newline byte
 * never occurs inside a multi-byte UTF-8 sequence, so splitting on bytes before decoding is safe. A line comes with its
 * bytes, for a parser that reads UTF-8 itself, and its text; both are checked to be valid UTF-8.
 */
final class LineReader {
    // n8n sends a line of about 200 bytes per HTTP chunk; Helidon allocates a buffer of the requested size per read,
    // and it stays referenced while the relay waits for the next line: one per open stream
    private static final int READ_SIZE = 512;
    private final InputStream in;
    private final InputStream readiness;
    private final int maxLineBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] chunk = new byte[READ_SIZE];
    private byte[] line = new byte[128];
    private int lineLength;
    private int chunkPos;
    private int chunkEnd;
    private boolean ended;

    LineReader(InputStream in, int maxLineBytes) {
        this(in, in, maxLineBytes);
    }

    /**
     * Reads lines.
     *
     * @param in the bytes
     * @param readiness tells through {@link InputStream#available()} whether the next read of {@code in} returns
     *        without waiting for the network: {@code in} itself, or a raw stream beneath it
     * @param maxLineBytes longest line
     */
    LineReader(InputStream in, InputStream readiness, int maxLineBytes) {
        this.in = in;
        this.readiness = readiness;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * The next line without its line terminator ({@code \n} or {@code \r\n}), waiting for it.
     *
     * @return the line (its bytes valid until the next read), or empty at the end of the stream (a last line
     *         without a newline is returned first)
     * @throws IOException when reading fails
     * @throws LineTooLongException when a line exceeds the limit
     * @throws CharacterCodingException when a line is not valid UTF-8
     */
    Optional<Line> next() throws IOException {
        return read(true);
    }

    /**
     * The next line if it is already here: complete in what was read, or in what the stream can give without blocking
     * (the readiness stream's {@link InputStream#available()}). Never waits for the network.
     *
     * @return the line (its bytes valid until the next read), or empty when no complete line is buffered (at the
     *         end of the stream too: {@link #next()} tells the end and returns a last line without a newline)
     * @throws IOException when reading fails
     * @throws LineTooLongException when a line exceeds the limit
     * @throws CharacterCodingException when a line is not valid UTF-8
     */
    Optional<Line> poll() throws IOException {
        return read(false);
    }

    private Optional<Line> read(boolean wait) throws IOException {
        while (true) {
            for (int i = chunkPos; i < chunkEnd; i++) {
                if (chunk[i] == '\n') {
                    append(chunkPos, i);
                    chunkPos = i + 1;
                    return Optional.of(takeLine());
                }
            }
            if (!wait && (ended || readiness.available() <= 0)) {
                return Optional.empty();
            }
            append(chunkPos, chunkEnd);
            chunkPos = 0;
            chunkEnd = 0;
            if (ended) {
                return lineLength == 0 ? Optional.empty() : Optional.of(takeLine());
            }
            int read = in.read(chunk);
            if (read < 0) {
                ended = true;
            } else {
                chunkEnd = read;
            }
        }
    }

    private void append(int from, int to) throws LineTooLongException {
        int count = to - from;
        if (count <= 0) {
            return;
        }
        if (lineLength + count > maxLineBytes) {
            throw new LineTooLongException(maxLineBytes);
        }
        if (lineLength + count > line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, lineLength + count)));
        }
        System.arraycopy(chunk, from, line, lineLength, count);
        lineLength += count;
    }

    private Line takeLine() throws CharacterCodingException {
        int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        lineLength = 0;
        // decoding with replacement is the JDK's fast path (an ASCII line is copied as it is, a fifth of the strict
        // decoder's time per n8n line); a replacement character in the text is either malformed input or one the line
        // really holds, which the strict decoder tells apart
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0) {
            var unused = decoder.decode(ByteBuffer.wrap(line, 0, length));
        }
        return new Line(line, length, text);
    }

    /** A line without its terminator: a view of the reader's buffer (not a copy), valid until the next read. */
    static final class Line {
        private final byte[] bytes;
        private final int length;
        private final String text;

        private Line(byte[] bytes, int length, String text) {
            this.bytes = bytes;
            this.length = length;
            this.text = text;
        }

        /** Its UTF-8 bytes, from index 0 to {@link #length()}. */
        byte[] bytes() {
            return bytes;
        }

        /** How many bytes it has. */
        int length() {
            return length;
        }

        /** The same, decoded. */
        String text() {
            return text;
        }
    }

    /** A line longer than the configured maximum. */
    static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        LineTooLongException(int max) {
            super("line longer than " + max + " bytes");
        }
    }
}
