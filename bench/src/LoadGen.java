import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The load generator: one thread, one NIO selector, HTTP/1.1 keep-alive connections. Each connection ("slot") runs
 * conversations one after the other: it writes a POST, then parses the response as it arrives (status line, headers,
 * chunked framing, then either n8n's NDJSON lines or Server-Sent Events) and timestamps every read with
 * {@link System#nanoTime()}; the events found in one read share that read's time stamp.
 *
 * <p>A conversation's time to first chunk is the time from just before its request was written to the read that
 * completed its first content chunk ({@code {"type":"item"...}} line, or an {@code event: chunk}).
 */
final class LoadGen {
    /** Where and how to talk. */
    record Target(String name, String label, int port, boolean sse, String path, long[] pids) {
    }

    /** Counters of one run. */
    static final class Stats {
        long measureStart;
        long measureEnd;
        boolean measuring;
        long conversations; // completed, started in the window
        long chunksInWindow;
        long bytesInWindow;
        long chunksTotal;
        long pings;
        long errors;
        long unfinished;
        final Map<String, Long> errorKinds = new TreeMap<>();
        long[] ttfc = new long[1024];
        int ttfcCount;
        long[] ttfb = new long[1024];
        int ttfbCount;
        // open-streams mode
        boolean accounting;
        long stalls;
        final int[] lateMs = new int[120_001];
        long lateCount;
        long maxGapNanos;
        String firstError;

        void error(String kind, String detail) {
            errors++;
            errorKinds.merge(kind, 1L, Long::sum);
            if (firstError == null) {
                firstError = kind + (detail == null ? "" : ": " + detail);
            }
        }

        void addTtfc(long v) {
            if (ttfcCount == ttfc.length) {
                ttfc = java.util.Arrays.copyOf(ttfc, ttfc.length * 2);
            }
            ttfc[ttfcCount++] = v;
        }

        void addTtfb(long v) {
            if (ttfbCount == ttfb.length) {
                ttfb = java.util.Arrays.copyOf(ttfb, ttfb.length * 2);
            }
            ttfb[ttfbCount++] = v;
        }

        long[] ttfbSorted() {
            long[] v = java.util.Arrays.copyOf(ttfb, ttfbCount);
            java.util.Arrays.sort(v);
            return v;
        }

        long[] ttfcSorted() {
            long[] v = java.util.Arrays.copyOf(ttfc, ttfcCount);
            java.util.Arrays.sort(v);
            return v;
        }
    }

    private static final int NONE = 0;
    private static final int EV_START = 1;
    private static final int EV_CHUNK = 2;
    private static final int EV_END = 3;
    private static final int EV_ERROR = 4;
    private static final int EV_OTHER = 5;

    private static final byte[] ITEM = "{\"type\":\"item\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NDERR = "{\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);

    private final Selector selector;
    private final ByteBuffer rbuf = ByteBuffer.allocate(256 * 1024);
    final List<Slot> slots = new ArrayList<>();
    Stats stats = new Stats();
    /** Whether idle slots start another conversation. */
    boolean issuing;
    /** Whether a slot starts its next conversation when one ends (closed loop); false: one conversation each. */
    boolean repeat = true;
    /** Expected content chunks per conversation (0: do not check). */
    int expectedChunks;
    /** Open-streams mode: a gap between chunks longer than this is a stall. */
    long stallNanos = Long.MAX_VALUE;
    long expectedGapNanos;
    int connecting;

    LoadGen() throws IOException {
        selector = Selector.open();
    }

    /** One connection and the conversation it carries. */
    final class Slot {
        final Target target;
        byte[] request;
        SocketChannel ch;
        SelectionKey key;
        ByteBuffer out;
        boolean connected;
        boolean busy; // a request was sent and its response is not complete
        boolean closed = true;
        // response parsing
        int phase; // 0 head, 1 body chunked, 2 body content-length, 3 body until close
        final byte[] head = new byte[4096];
        int headLen;
        int status;
        boolean connClose;
        long remaining;
        int cstate; // 0 size, 1 size-ext, 2 data, 3 data-cr, 4 data-lf, 5 trailer
        long csize;
        boolean trailerBlank;
        final byte[] line = new byte[256];
        int lineLen;
        int event;
        String errorData;
        // conversation
        long t0;
        long tFirst;
        long tHead;
        int chunks;
        boolean sawEnd;
        boolean sawError;
        long lastChunk;
        /** The first conversation starts no earlier than this (staggered starts). */
        long startAt;

        Slot(Target target, byte[] request) {
            this.target = target;
            this.request = request;
        }
    }

    /** Builds the request bytes of one conversation for a target. */
    static byte[] request(Target t, String message, String cookie, String origin, String userAgent) {
        String body;
        StringBuilder h = new StringBuilder();
        if (t.sse()) {
            body = "{\"message\":\"" + message + "\"}";
            h.append("POST ").append(t.path()).append(" HTTP/1.1\r\n");
            h.append("Host: 127.0.0.1:").append(t.port()).append("\r\n");
            h.append("Accept: text/event-stream\r\n");
            h.append("Origin: ").append(origin).append("\r\n");
            h.append("User-Agent: ").append(userAgent).append("\r\n");
            h.append("Cookie: ").append(cookie).append("\r\n");
        } else {
            body = "{\"action\":\"sendMessage\",\"sessionId\":\"bench\",\"chatInput\":\"" + message + "\"}";
            h.append("POST ").append(t.path()).append(" HTTP/1.1\r\n");
            h.append("Host: 127.0.0.1:").append(t.port()).append("\r\n");
            h.append("Accept: application/json\r\n");
            h.append("User-Agent: ").append(userAgent).append("\r\n");
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        h.append("Content-Type: application/json\r\n");
        h.append("Content-Length: ").append(b.length).append("\r\n\r\n");
        byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[hb.length + b.length];
        System.arraycopy(hb, 0, all, 0, hb.length);
        System.arraycopy(b, 0, all, hb.length, b.length);
        return all;
    }

    Slot add(Target t, byte[] request) throws IOException {
        return add(t, request, 0);
    }

    /** Adds a slot whose first conversation starts after a delay (0: as soon as it is connected). */
    Slot add(Target t, byte[] request, long delayNanos) throws IOException {
        Slot s = new Slot(t, request);
        s.startAt = System.nanoTime() + delayNanos;
        slots.add(s);
        if (delayNanos > 0) {
            waiting.add(s);
        }
        connect(s);
        return s;
    }

    private final List<Slot> waiting = new ArrayList<>();

    /** Starts the first conversation of slots whose start time has come. */
    private void startWaiting() throws IOException {
        if (waiting.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Iterator<Slot> it = waiting.iterator();
        while (it.hasNext()) {
            Slot s = it.next();
            if (s.closed) {
                it.remove();
            } else if (now - s.startAt >= 0 && s.connected) {
                it.remove();
                if (issuing && !s.busy) {
                    send(s);
                }
            }
        }
    }

    private void connect(Slot s) throws IOException {
        s.ch = SocketChannel.open();
        s.ch.configureBlocking(false);
        s.ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        s.closed = false;
        s.connected = false;
        connecting++;
        if (s.ch.connect(new InetSocketAddress("127.0.0.1", s.target.port()))) {
            s.key = s.ch.register(selector, SelectionKey.OP_READ, s);
            connected(s);
        } else {
            s.key = s.ch.register(selector, SelectionKey.OP_CONNECT, s);
        }
    }

    private void connected(Slot s) throws IOException {
        s.connected = true;
        connecting--;
        s.key.interestOps(SelectionKey.OP_READ);
        if (issuing && System.nanoTime() - s.startAt >= 0) {
            send(s);
        }
    }

    private void send(Slot s) throws IOException {
        s.busy = true;
        s.phase = 0;
        s.headLen = 0;
        s.status = 0;
        s.connClose = false;
        s.cstate = 0;
        s.csize = 0;
        s.lineLen = 0;
        s.event = NONE;
        s.errorData = null;
        s.chunks = 0;
        s.sawEnd = false;
        s.sawError = false;
        s.tFirst = 0;
        s.out = ByteBuffer.wrap(s.request);
        s.t0 = System.nanoTime();
        s.lastChunk = s.t0;
        s.ch.write(s.out);
        if (s.out.hasRemaining()) {
            s.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    /** Starts a conversation on every idle slot. */
    void kick() throws IOException {
        for (Slot s : slots) {
            if (!s.closed && s.connected && !s.busy) {
                send(s);
            } else if (s.closed && issuing) {
                connect(s);
            }
        }
    }

    /** Number of slots with a conversation in flight. */
    int busy() {
        int n = 0;
        for (Slot s : slots) {
            if (s.busy || (!s.closed && !s.connected)) {
                n++;
            }
        }
        return n;
    }

    /** Runs the loop for a while. */
    void runFor(long nanos) throws IOException {
        long end = System.nanoTime() + nanos;
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            selectOnce(Math.max(1, Math.min(5, left / 1_000_000)));
        }
    }

    /** Runs the loop until no conversation is in flight or the time is up; returns the number still in flight. */
    int drain(long nanos) throws IOException {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            if (busy() == 0) {
                return 0;
            }
            selectOnce(5);
        }
        return busy();
    }

    void selectOnce(long timeoutMs) throws IOException {
        startWaiting();
        selector.select(waiting.isEmpty() ? timeoutMs : 1);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            Slot s = (Slot) key.attachment();
            if (!key.isValid()) {
                continue;
            }
            try {
                if (key.isConnectable()) {
                    if (s.ch.finishConnect()) {
                        connected(s);
                    }
                    continue;
                }
                if (key.isWritable()) {
                    s.ch.write(s.out);
                    if (!s.out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    read(s);
                }
            } catch (IOException e) {
                if (!s.connected) {
                    connecting--;
                }
                fail(s, "io", e.getClass().getSimpleName() + " " + e.getMessage());
            }
        }
    }

    private void fail(Slot s, String kind, String detail) {
        if (s.busy || !s.connected) {
            stats.error(kind, detail);
        }
        s.busy = false;
        closeSlot(s);
    }

    void closeSlot(Slot s) {
        if (s.closed) {
            return;
        }
        s.closed = true;
        s.connected = false;
        try {
            s.ch.close();
        } catch (IOException e) {
            // ignore
        }
    }

    void closeAll() {
        for (Slot s : slots) {
            if (!s.connected && !s.closed) {
                connecting--;
            }
            closeSlot(s);
        }
        try {
            selector.selectNow();
        } catch (IOException e) {
            // ignore
        }
    }

    private void read(Slot s) throws IOException {
        rbuf.clear();
        int n = s.ch.read(rbuf);
        long now = System.nanoTime();
        if (n < 0) {
            if (s.busy && s.phase == 3) {
                finish(s, now);
                closeSlot(s);
            } else if (s.busy) {
                fail(s, "eof", "connection closed mid-response, " + s.chunks + " chunks");
            } else {
                closeSlot(s);
                if (issuing && repeat) {
                    connect(s);
                }
            }
            return;
        }
        if (stats.measuring) {
            stats.bytesInWindow += n;
        }
        byte[] b = rbuf.array();
        int i = 0;
        while (i < n && s.busy) {
            i = consume(s, b, i, n, now);
        }
    }

    /** Consumes bytes from i; returns the new position. */
    private int consume(Slot s, byte[] b, int i, int n, long now) throws IOException {
        switch (s.phase) {
            case 0 -> {
                while (i < n) {
                    byte c = b[i++];
                    if (s.headLen < s.head.length) {
                        s.head[s.headLen++] = c;
                    }
                    int h = s.headLen;
                    if (h >= 4 && s.head[h - 1] == '\n' && s.head[h - 2] == '\r' && s.head[h - 3] == '\n'
                            && s.head[h - 4] == '\r') {
                        parseHead(s);
                        s.tHead = now;
                        if (s.phase == 2 && s.remaining == 0) {
                            finish(s, now);
                        }
                        return i;
                    }
                }
                return i;
            }
            case 1 -> {
                return chunked(s, b, i, n, now);
            }
            case 2 -> {
                int take = (int) Math.min(n - i, s.remaining);
                lines(s, b, i, i + take, now);
                s.remaining -= take;
                i += take;
                if (s.remaining == 0) {
                    finish(s, now);
                }
                return i;
            }
            default -> {
                lines(s, b, i, n, now);
                return n;
            }
        }
    }

    private void parseHead(Slot s) {
        String head = new String(s.head, 0, s.headLen, StandardCharsets.ISO_8859_1);
        String[] rows = head.split("\r\n");
        String[] first = rows[0].split(" ");
        s.status = first.length > 1 ? Integer.parseInt(first[1]) : 0;
        boolean chunked = false;
        long length = -1;
        for (int k = 1; k < rows.length; k++) {
            int colon = rows[k].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = rows[k].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
            String value = rows[k].substring(colon + 1).trim().toLowerCase(java.util.Locale.ROOT);
            switch (name) {
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "content-length" -> length = Long.parseLong(value);
                case "connection" -> s.connClose = value.contains("close");
                default -> {
                }
            }
        }
        if (chunked) {
            s.phase = 1;
            s.cstate = 0;
            s.csize = 0;
        } else if (length >= 0) {
            s.phase = 2;
            s.remaining = length;
        } else {
            s.phase = 3;
        }
    }

    private int chunked(Slot s, byte[] b, int i, int n, long now) {
        while (i < n) {
            switch (s.cstate) {
                case 0 -> { // size
                    byte c = b[i++];
                    if (c == '\r') {
                        continue;
                    }
                    if (c == '\n') {
                        if (s.csize == 0) {
                            s.cstate = 5;
                            s.trailerBlank = true;
                        } else {
                            s.cstate = 2;
                        }
                    } else if (c == ';') {
                        s.cstate = 1;
                    } else {
                        s.csize = s.csize * 16 + Character.digit(c, 16);
                    }
                }
                case 1 -> { // extension
                    byte c = b[i++];
                    if (c == '\n') {
                        s.cstate = s.csize == 0 ? 5 : 2;
                        s.trailerBlank = true;
                    }
                }
                case 2 -> { // data
                    int take = (int) Math.min(n - i, s.csize);
                    lines(s, b, i, i + take, now);
                    i += take;
                    s.csize -= take;
                    if (s.csize == 0) {
                        s.cstate = 3;
                    }
                }
                case 3 -> { // CR after data
                    i++;
                    s.cstate = 4;
                }
                case 4 -> { // LF after data
                    i++;
                    s.cstate = 0;
                    s.csize = 0;
                }
                default -> { // trailers until an empty line
                    byte c = b[i++];
                    if (c == '\n') {
                        if (s.trailerBlank) {
                            finish(s, now);
                            return i;
                        }
                        s.trailerBlank = true;
                    } else if (c != '\r') {
                        s.trailerBlank = false;
                    }
                }
            }
        }
        return i;
    }

    private void lines(Slot s, byte[] b, int from, int to, long now) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == '\n') {
                line(s, now);
                s.lineLen = 0;
            } else if (s.lineLen < s.line.length) {
                s.line[s.lineLen++] = c;
            }
        }
    }

    private void line(Slot s, long now) {
        byte[] l = s.line;
        int len = s.lineLen;
        if (len > 0 && l[len - 1] == '\r') {
            len--;
        }
        if (s.status != 200) {
            if (s.errorData == null && len > 0) {
                s.errorData = new String(l, 0, len, StandardCharsets.UTF_8);
            }
            return;
        }
        if (!s.target.sse()) {
            if (startsWith(l, len, ITEM)) {
                chunk(s, now);
            } else if (startsWith(l, len, NDERR)) {
                s.sawError = true;
            }
            return;
        }
        if (len == 0) {
            switch (s.event) {
                case EV_CHUNK -> chunk(s, now);
                case EV_END -> s.sawEnd = true;
                case EV_ERROR -> s.sawError = true;
                default -> {
                }
            }
            s.event = NONE;
            return;
        }
        if (l[0] == ':') {
            stats.pings++;
            return;
        }
        if (len > 7 && l[0] == 'e' && l[5] == ':') { // "event: x"
            s.event = switch (l[7]) {
                case 'c' -> EV_CHUNK;
                case 's' -> EV_START;
                case 'e' -> l[8] == 'n' ? EV_END : EV_ERROR;
                default -> EV_OTHER;
            };
        } else if (s.event == EV_ERROR && l[0] == 'd' && s.errorData == null) {
            s.errorData = new String(l, 0, len, StandardCharsets.UTF_8);
        }
    }

    private static boolean startsWith(byte[] l, int len, byte[] p) {
        if (len < p.length) {
            return false;
        }
        for (int k = 0; k < p.length; k++) {
            if (l[k] != p[k]) {
                return false;
            }
        }
        return true;
    }

    private void chunk(Slot s, long now) {
        if (s.chunks == 0) {
            s.tFirst = now;
        } else if (stats.accounting) {
            long gap = now - s.lastChunk;
            long lateMs = Math.max(0, (gap - expectedGapNanos) / 1_000_000);
            stats.lateMs[(int) Math.min(stats.lateMs.length - 1, lateMs)]++;
            stats.lateCount++;
            if (gap > stats.maxGapNanos) {
                stats.maxGapNanos = gap;
            }
            if (gap > stallNanos) {
                stats.stalls++;
            }
        }
        s.chunks++;
        s.lastChunk = now;
        stats.chunksTotal++;
        if (stats.measuring) {
            stats.chunksInWindow++;
        }
    }

    private void finish(Slot s, long now) {
        s.busy = false;
        boolean inWindow = stats.measureStart != 0 && s.t0 - stats.measureStart >= 0
                && (stats.measureEnd == 0 || s.t0 - stats.measureEnd < 0);
        if (s.status != 200) {
            stats.error("http_" + s.status, s.errorData);
        } else if (s.sawError) {
            stats.error("stream_error", s.errorData);
        } else if (s.target.sse() && !s.sawEnd) {
            stats.error("no_end_event", null);
        } else if (expectedChunks > 0 && s.chunks != expectedChunks) {
            stats.error("chunk_count", s.chunks + " of " + expectedChunks);
        } else if (inWindow) {
            stats.conversations++;
            stats.addTtfc(s.tFirst - s.t0);
            stats.addTtfb(s.tHead - s.t0);
        }
        if (s.connClose) {
            closeSlot(s);
            if (issuing && repeat) {
                try {
                    connect(s);
                } catch (IOException e) {
                    stats.error("io", e.getMessage());
                }
            }
            return;
        }
        if (issuing && repeat) {
            try {
                send(s);
            } catch (IOException e) {
                fail(s, "io", e.getMessage());
            }
        }
    }

    /** Open-streams mode: slots whose last chunk is older than the stall limit right now. */
    int silentNow(long now) {
        int n = 0;
        for (Slot s : slots) {
            if (s.busy && now - s.lastChunk > stallNanos) {
                n++;
            }
        }
        return n;
    }

    /** Open-streams mode: slots that have received their first chunk. */
    int streaming() {
        int n = 0;
        for (Slot s : slots) {
            if (s.busy && s.chunks > 0) {
                n++;
            }
        }
        return n;
    }
}
