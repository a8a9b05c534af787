import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Iterator;
import java.util.PriorityQueue;

/**
 * A fast fake n8n streaming webhook: one thread, one NIO selector, HTTP/1.1 keep-alive. It answers every POST the way
 * n8n 2.x answers a Webhook in "Streaming" response mode (see src/test/resources/n8n-transcripts/2*.txt and 40-*.txt):
 * {@code Content-Type: application/json; charset=utf-8}, chunked, one HTTP chunk per NDJSON line, a {@code begin}
 * line, {@code item} lines, an {@code end} line, then the last chunk.
 *
 * <p>The shape of each answer is taken from the request's {@code chatInput} (what the proxy forwards from the visitor's
 * message): {@code "bench <items> <content bytes> <delay ms>"}. The begin line and the first item are written at once;
 * item i follows at {@code start + i * delay} (no drift). With delay 0 lines are written as fast as the socket takes
 * them, several HTTP chunks per write. Without a recognised chatInput the defaults from the command line are used.
 *
 * <p>Usage: {@code java FakeN8n <port> [items] [bytes] [delayMs]}.
 */
public final class FakeN8n {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final int BATCH = 32 * 1024;
    private static final String NODE = "\"metadata\":{\"nodeId\":\"0b7c1a10-0000-4000-8000-000000000012\","
            + "\"nodeName\":\"AI Agent\",\"itemIndex\":0,\"runIndex\":0,\"timestamp\":";
    private static final String FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
            + "tempor incididunt ut labore et dolore magna aliqua. ";

    private final Selector selector;
    private final ServerSocketChannel server;
    private final PriorityQueue<Conn> timers = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
    private final ByteBuffer readBuf = ByteBuffer.allocateDirect(64 * 1024);
    private final ByteBuffer scratch = ByteBuffer.allocate(BATCH + 4096);
    private final int defItems;
    private final int defBytes;
    private final int defDelay;
    private long dateSecond = -1;
    private byte[] dateHeader;
    private long answers;
    private long lines;

    private FakeN8n(int port, int items, int bytes, int delay) throws IOException {
        this.defItems = items;
        this.defBytes = bytes;
        this.defDelay = delay;
        selector = Selector.open();
        server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress("127.0.0.1", port), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        int items = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int bytes = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        int delay = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        FakeN8n fake = new FakeN8n(port, items, bytes, delay);
        System.out.println("fake-n8n listening on 127.0.0.1:" + port);
        fake.loop();
    }

    private void loop() throws IOException {
        while (true) {
            long now = System.nanoTime();
            long wait = 0;
            Conn head = timers.peek();
            while (head != null && (head.closed || head.due - now <= 0)) {
                timers.poll();
                if (!head.closed) {
                    head.queued = false;
                    try {
                        produce(head, now);
                    } catch (IOException e) {
                        close(head); // the proxy went away (the open-streams test restarts it): only this one ends
                    }
                }
                head = timers.peek();
            }
            if (head != null) {
                wait = Math.max(1, (head.due - now + 999_999) / 1_000_000);
            }
            if (wait == 0) {
                selector.select();
            } else {
                selector.select(wait);
            }
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    accept();
                    continue;
                }
                Conn c = (Conn) key.attachment();
                try {
                    if (key.isReadable()) {
                        read(c);
                    }
                    if (key.isValid() && key.isWritable()) {
                        if (flushPending(c)) {
                            produce(c, System.nanoTime());
                        }
                    }
                } catch (IOException e) {
                    close(c);
                }
            }
        }
    }

    private void accept() {
        SocketChannel ch;
        while ((ch = acceptOrNull()) != null) {
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Conn c = new Conn(ch);
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
            } catch (IOException e) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already gone
                }
            }
        }
    }

    /** The next pending connection; null when there is none, or when accepting failed (out of files): try later. */
    private SocketChannel acceptOrNull() {
        try {
            return server.accept();
        } catch (IOException e) {
            System.err.println("accept failed: " + e);
            return null;
        }
    }

    private void read(Conn c) throws IOException {
        readBuf.clear();
        int n = c.ch.read(readBuf);
        if (n < 0) {
            close(c);
            return;
        }
        readBuf.flip();
        if (c.streaming) {
            return; // nothing is expected while an answer streams; bytes are dropped
        }
        c.appendRequest(readBuf);
        tryRequest(c);
    }

    /** Parses a complete request (head and Content-Length body) if one is buffered, and starts its answer. */
    private void tryRequest(Conn c) throws IOException {
        byte[] b = c.req;
        int len = c.reqLen;
        int headEnd = indexOf(b, len, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (headEnd < 0) {
            return;
        }
        String head = new String(b, 0, headEnd, StandardCharsets.ISO_8859_1);
        int contentLength = 0;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                contentLength = Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        int total = headEnd + 4 + contentLength;
        if (len < total) {
            return;
        }
        String body = new String(b, headEnd + 4, contentLength, StandardCharsets.UTF_8);
        System.arraycopy(b, total, b, 0, len - total);
        c.reqLen = len - total;
        start(c, body);
    }

    private void start(Conn c, String body) throws IOException {
        int items = defItems;
        int bytes = defBytes;
        int delay = defDelay;
        int at = body.indexOf("\"chatInput\":\"");
        if (at >= 0) {
            int from = at + 13;
            int to = body.indexOf('"', from);
            String[] words = body.substring(from, Math.max(from, to)).trim().split("\\s+");
            if (words.length >= 4 && words[0].equals("bench")) {
                items = Integer.parseInt(words[1]);
                bytes = Integer.parseInt(words[2]);
                delay = Integer.parseInt(words[3]);
            }
        }
        answers++;
        c.streaming = true;
        c.items = items;
        c.sent = 0;
        c.delayNanos = delay * 1_000_000L;
        c.started = System.nanoTime();
        c.content = content(bytes);
        c.phase = 0;
        scratch.clear();
        scratch.put(("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n"
                + "Vary: Accept-Encoding\r\n").getBytes(StandardCharsets.ISO_8859_1));
        scratch.put(date());
        scratch.put(CRLF);
        chunkLine(scratch, "{\"type\":\"begin\"," + NODE + System.currentTimeMillis() + "}}");
        c.phase = 1;
        // first item together with begin, the rest on schedule
        produceInto(c, System.nanoTime());
    }

    /** Writes whatever is due for this connection. */
    private void produce(Conn c, long now) throws IOException {
        if (!c.streaming || c.pending != null) {
            return;
        }
        scratch.clear();
        produceInto(c, now);
    }

    /** Appends due lines to scratch (which may already hold bytes), writes, and schedules the next line. */
    private void produceInto(Conn c, long now) throws IOException {
        while (c.phase == 1 && scratch.position() < BATCH) {
            if (c.sent >= c.items) {
                chunkLine(scratch, "{\"type\":\"end\"," + NODE + System.currentTimeMillis() + "}}");
                scratch.put("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                c.phase = 2;
                break;
            }
            long due = c.started + c.sent * c.delayNanos;
            if (c.sent > 0 && due - now > 0) {
                if (!c.queued) {
                    c.due = due;
                    c.queued = true;
                    timers.add(c);
                }
                break;
            }
            chunkLine(scratch, "{\"type\":\"item\",\"content\":\"" + c.content + "\"," + NODE
                    + System.currentTimeMillis() + "}}");
            c.sent++;
            lines++;
        }
        scratch.flip();
        if (scratch.hasRemaining()) {
            c.ch.write(scratch);
            if (scratch.hasRemaining()) {
                c.pending = ByteBuffer.allocate(scratch.remaining());
                c.pending.put(scratch);
                c.pending.flip();
                c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                return;
            }
        }
        if (c.phase == 2) {
            c.streaming = false;
            if (c.reqLen > 0) {
                tryRequest(c);
            }
        } else if (c.phase == 1 && c.sent < c.items && c.delayNanos == 0) {
            // more to write at once: wait until the socket can take it
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } else if (c.phase == 1 && c.sent >= c.items && !c.queued) {
            c.due = now;
            c.queued = true;
            timers.add(c);
        }
    }

    /** Flushes bytes left over from a partial write; true when nothing is left. */
    private boolean flushPending(Conn c) throws IOException {
        if (c.pending != null) {
            c.ch.write(c.pending);
            if (c.pending.hasRemaining()) {
                return false;
            }
            c.pending = null;
        }
        c.key.interestOps(SelectionKey.OP_READ);
        if (c.phase == 2 && c.streaming) {
            c.streaming = false;
            if (c.reqLen > 0) {
                tryRequest(c);
            }
            return false;
        }
        return true;
    }

    private static void chunkLine(ByteBuffer out, String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        out.put(Integer.toHexString(bytes.length).getBytes(StandardCharsets.ISO_8859_1));
        out.put(CRLF);
        out.put(bytes);
        out.put(CRLF);
    }

    private byte[] date() {
        long sec = System.currentTimeMillis() / 1000;
        if (sec != dateSecond) {
            dateSecond = sec;
            dateHeader = ("Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC))
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        }
        return dateHeader;
    }

    private static final String[] CONTENT_CACHE = new String[4097];

    private static String content(int bytes) {
        int n = Math.max(1, Math.min(4096, bytes));
        String s = CONTENT_CACHE[n];
        if (s == null) {
            StringBuilder sb = new StringBuilder(n);
            while (sb.length() < n) {
                sb.append(FILLER);
            }
            s = sb.substring(0, n);
            CONTENT_CACHE[n] = s;
        }
        return s;
    }

    private void close(Conn c) {
        c.closed = true;
        c.streaming = false;
        try {
            c.ch.close();
        } catch (IOException e) {
            // ignore
        }
    }

    private static int indexOf(byte[] b, int len, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= len; i++) {
            for (int j = 0; j < pat.length; j++) {
                if (b[i + j] != pat[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static final class Conn {
        final SocketChannel ch;
        SelectionKey key;
        byte[] req = new byte[2048];
        int reqLen;
        boolean streaming;
        boolean closed;
        boolean queued;
        int phase;
        int items;
        int sent;
        long delayNanos;
        long started;
        long due;
        String content;
        ByteBuffer pending;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        void appendRequest(ByteBuffer in) {
            int n = in.remaining();
            if (reqLen + n > req.length) {
                req = Arrays.copyOf(req, Math.max(req.length * 2, reqLen + n));
            }
            in.get(req, reqLen, n);
            reqLen += n;
        }
    }
}
