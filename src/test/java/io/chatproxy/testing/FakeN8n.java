package io.chatproxy.testing;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * An in-test stand-in for an n8n 2.41 webhook that speaks n8n's HTTP/1.1 wire format byte for byte
 * (see {@code src/test/resources/n8n-transcripts/}).
 * <p>
 * It listens on {@code 127.0.0.1} on an ephemeral port, serves each connection on its own virtual thread,
 * supports keep-alive (and, like Node, closes a connection that stays idle for 5 s after a response),
 * records every request before answering it and answers with the current {@link Reply}.
 * Streaming replies are sent like n8n does: headers flushed at once, then exactly one HTTP chunk per NDJSON line.
 * <pre>{@code
 * try (FakeN8n n8n = FakeN8n.start()) {
 *     n8n.reply(FakeN8n.Reply.transcript("21-stream-agent-ok.txt", Duration.ofMillis(10)));
 *     ... point the proxy at n8n.webhookUrl(), send a chat message ...
 *     FakeN8n.RecordedRequest request = n8n.awaitRequest(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class FakeN8n implements AutoCloseable {

    /** Node's default {@code server.keepAliveTimeout}, announced by n8n as {@code Keep-Alive: timeout=5}. */
    private static final Duration KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(5);
    private static final String AGENT_NODE_ID = "0b7c1a10-0000-4000-8000-000000000012";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final Pattern TIME_PREFIX = Pattern.compile("\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}] ");
    private static final Pattern RAW_CHUNK_START = Pattern.compile("[0-9a-fA-F]+\r\n");
    private static final Pattern CHAT_INPUT = Pattern.compile("\"chatInput\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final String LAST_CHUNK = "0\r\n\r\n";
    /** Header names and order of every n8n streaming response; values of Date are filled in when sent. */
    private static final List<Header> STREAM_HEADERS = List.of(
            new Header("Content-Type", "application/json; charset=utf-8"),
            new Header("Transfer-Encoding", "chunked"),
            new Header("Cache-Control", "no-cache"),
            new Header("Connection", "keep-alive"),
            new Header("Vary", "Accept-Encoding"),
            new Header("Date", ""));

    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final Semaphore clientGone = new Semaphore(0);
    private final Lock lock = new ReentrantLock();
    private final Condition requestArrived = lock.newCondition();
    private final List<RecordedRequest> requests = new ArrayList<>(); // guarded by lock
    private int awaited; // guarded by lock
    private volatile Reply reply = Reply.echoStream(3, Duration.ofMillis(20));
    private volatile boolean closed;
    private final Thread acceptor;

    private FakeN8n(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("fake-n8n-accept").start(this::acceptLoop);
    }

    /**
     * Starts a fake n8n on {@code 127.0.0.1} with an ephemeral port.
     *
     * @return the running server; close it when done
     */
    public static FakeN8n start() {
        try {
            InetAddress loopback = InetAddress.getByAddress(new byte[]{127, 0, 0, 1});
            return new FakeN8n(new ServerSocket(0, 50, loopback));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start fake n8n", e);
        }
    }

    /** @return the port the server listens on */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * @param path absolute path, optionally with query, e.g. {@code /webhook/chat}
     * @return {@code http://127.0.0.1:<port><path>}
     */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** @return {@code url("/webhook/chat")} */
    public URI webhookUrl() {
        return url("/webhook/chat");
    }

    /**
     * Sets the reply for every following request (on any path) until changed.
     * The default is {@code Reply.echoStream(3, Duration.ofMillis(20))}.
     *
     * @param reply the reply to send
     */
    public void reply(Reply reply) {
        this.reply = Objects.requireNonNull(reply, "reply");
    }

    /** @return a snapshot of all requests received so far, in arrival order */
    public List<RecordedRequest> requests() {
        lock.lock();
        try {
            return List.copyOf(requests);
        } finally {
            lock.unlock();
        }
    }

    /** @return the number of requests received so far */
    public int requestCount() {
        lock.lock();
        try {
            return requests.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the next request not yet returned by this method (requests received earlier count too).
     *
     * @param timeout how long to wait
     * @return the request
     * @throws AssertionError when no such request arrives within the timeout
     */
    public RecordedRequest awaitRequest(Duration timeout) {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (awaited >= requests.size()) {
                if (nanos <= 0) {
                    throw new AssertionError("fake n8n: no new request within " + timeout + " ("
                            + requests.size() + " received, all already awaited)");
                }
                nanos = requestArrived.awaitNanos(nanos);
            }
            return requests.get(awaited++);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the client (the proxy) is seen to abandon a reply: a write failed, or the client closed the
     * connection while a streaming reply was between chunks or while a {@link Reply#hang()} reply was pending.
     * Each such event satisfies exactly one call (events that happened before the call count).
     *
     * @param timeout how long to wait
     * @return {@code true} if a client disconnect was seen within the timeout
     */
    public boolean awaitClientGone(Duration timeout) {
        try {
            return clientGone.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** @return the number of client connections currently open */
    public int openConnections() {
        return openConnections.get();
    }

    /** Stops accepting, closes every open connection and waits (briefly) for the connection threads to end. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        sockets.forEach(FakeN8n::closeQuietly);
        join(acceptor);
        handlers.forEach(FakeN8n::join);
    }

    // ---------------------------------------------------------------- connection handling

    private void acceptLoop() {
        Thread.Builder builder = Thread.ofVirtual().name("fake-n8n-conn-", 1);
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // server socket closed
            }
            openConnections.incrementAndGet();
            sockets.add(socket);
            if (closed) {
                closeQuietly(socket); // close() may have missed it
            }
            Thread handler = builder.unstarted(() -> serve(socket));
            handlers.add(handler);
            handler.start();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true); // like Node: every chunk leaves at once
            Input in = new Input(socket.getInputStream(), socket);
            OutputStream out = socket.getOutputStream();
            boolean first = true;
            while (!closed) {
                socket.setSoTimeout(first ? 0 : (int) KEEP_ALIVE_TIMEOUT.toMillis());
                Incoming incoming;
                try {
                    incoming = readRequest(in, out);
                } catch (SocketTimeoutException e) {
                    return; // idle keep-alive connection: Node closes it
                }
                if (incoming == null) {
                    return; // client closed an idle connection
                }
                first = false;
                socket.setSoTimeout(0);
                Reply current = reply;
                record(incoming.request());
                if (!respond(current, incoming, socket, in, out) || incoming.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            // broken while reading a request, or closed by close(): nothing to report
        } finally {
            sockets.remove(socket);
            openConnections.decrementAndGet();
            handlers.remove(Thread.currentThread());
        }
    }

    private void record(RecordedRequest request) {
        lock.lock();
        try {
            requests.add(request);
            requestArrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return whether the connection may serve another request */
    private boolean respond(Reply reply, Incoming incoming, Socket socket, Input in, OutputStream out) {
        boolean close = incoming.close();
        try {
            switch (reply) {
                case Fixed f -> {
                    out.write(concat(head(f.status(), f.reason(), f.headers(), close, f.body().length), f.body()));
                    out.flush();
                    return true;
                }
                case Streamed s -> {
                    writeChunks(s, incoming.request(), in, out, close, Long.MAX_VALUE);
                    out.write(LAST_CHUNK.getBytes(ISO_8859_1));
                    out.flush();
                    return true;
                }
                case CloseAfter c -> {
                    writeChunks(c.inner(), incoming.request(), in, out, close, c.chunks());
                    socket.close(); // n8n died: no terminating chunk
                    return false;
                }
                case Hang h -> {
                    in.awaitEof();
                    clientGone();
                    return false;
                }
                case HangAfter h -> {
                    writeChunks(h.inner(), incoming.request(), in, out, close, h.chunks());
                    in.awaitEof(); // n8n stalls mid-answer, connection left open
                    clientGone();
                    return false;
                }
            }
        } catch (IOException e) {
            clientGone();
            return false;
        }
    }

    private void clientGone() {
        if (!closed) {
            clientGone.release();
        }
    }

    private static void writeChunks(Streamed s, RecordedRequest request, Input in, OutputStream out,
            boolean close, long limit) throws IOException {
        out.write(head(s.status(), s.reason(), s.headers(), close, -1));
        out.flush();
        Iterator<byte[]> chunks = s.chunks().apply(request);
        for (long sent = 0; sent < limit && chunks.hasNext();) {
            if (in.eofWithin(s.delay())) {
                throw new EOFException("client closed the connection mid-stream");
            }
            byte[] data = chunks.next();
            if (data.length > 0) { // a zero-size chunk would end the body
                out.write(concat(concat((Integer.toHexString(data.length) + "\r\n").getBytes(ISO_8859_1), data),
                        "\r\n".getBytes(ISO_8859_1)));
                out.flush();
                sent++;
            }
        }
    }

    private static byte[] head(int status, String reason, List<Header> headers, boolean close, long contentLength) {
        // Node replaces its own "Connection: keep-alive" + "Keep-Alive" pair when the client asked to close;
        // an explicit Connection header set by n8n (streams) is sent unchanged.
        boolean nodeManaged = close && headers.stream().anyMatch(h -> h.is("Keep-Alive"));
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        for (Header h : headers) {
            String value = h.value();
            if (h.is("Date")) {
                value = HTTP_DATE.format(Instant.now());
            } else if (h.is("Content-Length") && contentLength >= 0) {
                value = Long.toString(contentLength);
            } else if (nodeManaged && h.is("Keep-Alive")) {
                continue;
            } else if (nodeManaged && h.is("Connection")) {
                value = "close";
            }
            sb.append(h.name()).append(": ").append(value).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(ISO_8859_1);
    }

    private static Incoming readRequest(Input in, OutputStream out) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                return null;
            }
        } while (line.isEmpty());
        String[] requestLine = line.split(" ", 3);
        if (requestLine.length != 3) {
            throw new IOException("bad request line: " + line);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = in.requireLine(); !h.isEmpty(); h = in.requireLine()) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.merge(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip(),
                        (a, b) -> a + ", " + b);
            }
        }
        String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
        String length = headers.get("content-length");
        boolean hasBody = te.contains("chunked") || (length != null && !length.equals("0"));
        if (hasBody && "100-continue".equalsIgnoreCase(headers.get("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(ISO_8859_1));
            out.flush();
        }
        byte[] body;
        if (te.contains("chunked")) {
            body = in.readChunks().stream().reduce(new byte[0], FakeN8n::concat);
        } else if (length != null) {
            body = in.readExactly(Integer.parseInt(length.strip()));
        } else {
            body = new byte[0];
        }
        String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean close = connection.contains("close")
                || (requestLine[2].equals("HTTP/1.0") && !connection.contains("keep-alive"));
        return new Incoming(new RecordedRequest(requestLine[0], requestLine[1], headers, new String(body, UTF_8)),
                close);
    }

    // ---------------------------------------------------------------- public nested types

    /**
     * A request as received by the fake n8n.
     *
     * @param method  request method, e.g. {@code POST}
     * @param path    request target as sent, including any query string
     * @param headers headers with lower-case names, in arrival order (repeated headers joined with {@code ", "})
     * @param body    body decoded as UTF-8 (de-chunked if it was sent chunked), empty when there was none
     */
    public record RecordedRequest(String method, String path, Map<String, String> headers, String body) {

        /** Normalizes header names to lower case and makes the map unmodifiable. */
        public RecordedRequest {
            Map<String, String> copy = new LinkedHashMap<>();
            headers.forEach((name, value) -> copy.put(name.toLowerCase(Locale.ROOT), value));
            headers = Collections.unmodifiableMap(copy);
        }

        /**
         * @param name header name, any case
         * @return the header value, or {@code null} when absent
         */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What the fake n8n answers; create one with the static factories. */
    public sealed interface Reply permits Fixed, Streamed, CloseAfter, Hang, HangAfter {

        /**
         * Replays a transcript of real n8n from the test resource {@code /n8n-transcripts/<fileName>}:
         * status line, all headers in order (Date is refreshed, Content-Length recomputed) and body.
         * A chunked body is sent as one chunk per line (each with its {@code \n}), waiting
         * {@code delayBetweenLines} before each; a transcript recorded with {@code curl --raw} keeps its own
         * chunks. The newline the recorder appended after curl's output is dropped.
         *
         * @param fileName          e.g. {@code "21-stream-agent-ok.txt"}
         * @param delayBetweenLines wait before each chunk
         * @return the reply
         * @throws IllegalArgumentException when the resource is missing or holds no HTTP response
         */
        static Reply transcript(String fileName, Duration delayBetweenLines) {
            return loadTranscript(fileName, delayBetweenLines);
        }

        /**
         * A 200 NDJSON stream with exactly n8n's streaming headers, one chunk per line
         * ({@code \n} appended), waiting {@code delay} before each.
         *
         * @param delay       wait before each line
         * @param ndjsonLines lines without their trailing newline
         * @return the reply
         */
        static Reply stream(Duration delay, String... ndjsonLines) {
            List<byte[]> chunks = Arrays.stream(ndjsonLines).map(l -> (l + "\n").getBytes(UTF_8)).toList();
            return new Streamed(200, "OK", STREAM_HEADERS, delay, request -> chunks.iterator());
        }

        /**
         * Answers like n8n's streaming AI Agent: a {@code begin} line, the text {@code "Echo: " + chatInput}
         * (read from the request's JSON body) split into {@code chunks} nearly equal {@code item} lines, then an
         * {@code end} line; headers as {@link #stream}. Timestamps are taken when each line is sent.
         *
         * @param chunks number of item lines (fewer if the text has fewer characters)
         * @param delay  wait before each line
         * @return the reply
         */
        static Reply echoStream(int chunks, Duration delay) {
            if (chunks < 1) {
                throw new IllegalArgumentException("chunks must be >= 1");
            }
            return new Streamed(200, "OK", STREAM_HEADERS, delay, request -> {
                List<String> pieces = split("Echo: " + chatInput(request.body()), chunks);
                return lazy(pieces.size() + 2, i -> agentLine(
                        i == 0 ? "begin" : i <= pieces.size() ? "item" : "end",
                        i == 0 || i > pieces.size() ? null : pieces.get((int) i - 1)));
            });
        }

        /**
         * Full control over a chunked reply: each array is written as one HTTP chunk, waiting {@code delay}
         * before each (empty arrays are skipped: a zero-size chunk would end the body).
         * Only {@code Transfer-Encoding: chunked} is added when missing; no other header is added.
         *
         * @param status  HTTP status
         * @param headers headers in iteration order (use a {@code LinkedHashMap} to fix the order)
         * @param delay   wait before each chunk
         * @param chunks  chunk payloads
         * @return the reply
         */
        static Reply rawChunks(int status, Map<String, String> headers, Duration delay, List<byte[]> chunks) {
            List<Header> list = new ArrayList<>();
            headers.forEach((name, value) -> list.add(new Header(name, value)));
            if (list.stream().noneMatch(h -> h.is("Transfer-Encoding"))) {
                list.add(new Header("Transfer-Encoding", "chunked"));
            }
            List<byte[]> copy = chunks.stream().filter(c -> c.length > 0).map(byte[]::clone).toList();
            return new Streamed(status, reason(status), List.copyOf(list), delay, request -> copy.iterator());
        }

        /**
         * A JSON answer with a Content-Length, headers as n8n's non-streaming responses (transcripts 01/02/10):
         * Content-Type, Content-Length, ETag, Vary, Date, Connection, Keep-Alive.
         *
         * @param status HTTP status
         * @param body   JSON text
         * @return the reply
         */
        static Reply json(int status, String body) {
            return fixed(status, "application/json; charset=utf-8", body);
        }

        /**
         * A {@code text/plain; charset=utf-8} answer with a Content-Length, otherwise like {@link #json}.
         * Note: real n8n sends its auth errors ({@code jwt expired}, ...) chunked and without Content-Type;
         * use {@code transcript("05-jwt-expired.txt", ...)} for that exact shape.
         *
         * @param status HTTP status
         * @param body   text
         * @return the reply
         */
        static Reply text(int status, String body) {
            return fixed(status, "text/plain; charset=utf-8", body);
        }

        /**
         * Reads the request, then sends nothing until the client closes the connection (reported to
         * {@link FakeN8n#awaitClientGone}) or the server is closed.
         *
         * @return the reply
         */
        static Reply hang() {
            return new Hang();
        }

        /**
         * Like the streaming {@code inner} reply, but closes the socket right after {@code chunksBeforeClose}
         * chunks, without the terminating chunk (n8n dying mid-stream). 0 sends only the headers.
         *
         * @param inner             a streaming reply (transcript of a chunked response, stream, echoStream, ...)
         * @param chunksBeforeClose chunks to send before closing
         * @return the reply
         * @throws IllegalArgumentException when {@code inner} does not stream
         */
        static Reply closeAfter(Reply inner, int chunksBeforeClose) {
            if (chunksBeforeClose < 0) {
                throw new IllegalArgumentException("chunksBeforeClose must be >= 0");
            }
            return switch (inner) {
                case Streamed s -> new CloseAfter(s, chunksBeforeClose);
                case CloseAfter c -> new CloseAfter(c.inner(), Math.min(c.chunks(), chunksBeforeClose));
                default -> throw new IllegalArgumentException("closeAfter needs a streaming (chunked) reply: " + inner);
            };
        }

        /**
         * Like the streaming {@code inner} reply, but after {@code chunksBeforeHang} chunks it stops sending and
         * keeps the connection open (n8n stalled mid-answer) until the client goes away.
         *
         * @param inner            a streaming reply
         * @param chunksBeforeHang chunks to send first
         * @return the reply
         */
        static Reply hangAfter(Reply inner, int chunksBeforeHang) {
            if (!(inner instanceof Streamed s)) {
                throw new IllegalArgumentException("hangAfter needs a streaming reply");
            }
            return new HangAfter(s, chunksBeforeHang);
        }

        /**
         * An endless AI Agent stream: a {@code begin} line, then {@code item} lines ({@code "tick <n> "})
         * every {@code delay} until the client goes away or the server is closed.
         *
         * @param delay wait before each line; must be positive
         * @return the reply
         */
        static Reply streamForever(Duration delay) {
            if (delay.isZero() || delay.isNegative()) {
                throw new IllegalArgumentException("delay must be positive");
            }
            return new Streamed(200, "OK", STREAM_HEADERS, delay,
                    request -> lazy(Long.MAX_VALUE, i -> agentLine(i == 0 ? "begin" : "item",
                            i == 0 ? null : "tick " + i + " ")));
        }
    }

    // ---------------------------------------------------------------- reply implementations

    private record Header(String name, String value) {
        boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }
    }

    /** A complete body sent with Content-Length. */
    private record Fixed(int status, String reason, List<Header> headers, byte[] body) implements Reply {
    }

    /** A chunked body: one chunk per element, produced when it is due. */
    private record Streamed(int status, String reason, List<Header> headers, Duration delay,
            Function<RecordedRequest, Iterator<byte[]>> chunks) implements Reply {
    }

    private record CloseAfter(Streamed inner, int chunks) implements Reply {
    }

    private record Hang() implements Reply {
    }

    private record HangAfter(Streamed inner, int chunks) implements Reply {
    }

    private record Incoming(RecordedRequest request, boolean close) {
    }

    private static Reply fixed(int status, String contentType, String body) {
        byte[] bytes = body.getBytes(UTF_8);
        return new Fixed(status, reason(status), List.of(
                new Header("Content-Type", contentType),
                new Header("Content-Length", ""),
                new Header("ETag", etag(bytes)),
                new Header("Vary", "Accept-Encoding"),
                new Header("Date", ""),
                new Header("Connection", "keep-alive"),
                new Header("Keep-Alive", "timeout=5")), bytes);
    }

    private static Reply loadTranscript(String fileName, Duration delay) {
        String resource = "/n8n-transcripts/" + fileName;
        String text;
        try (InputStream stream = FakeN8n.class.getResourceAsStream(resource)) {
            if (stream == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            text = new String(stream.readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder http = new StringBuilder();
        boolean timed = false;
        for (String line : text.split("(?<=\n)")) {
            if (line.startsWith("###")) {
                continue;
            }
            Matcher time = TIME_PREFIX.matcher(line);
            if (time.lookingAt()) {
                timed = true;
                line = line.substring(time.end());
            }
            http.append(line);
        }
        int end = http.indexOf("\r\n\r\n");
        if (!http.toString().startsWith("HTTP/1.1 ") || end < 0) {
            throw new IllegalArgumentException(resource + " holds no 'curl -i' HTTP response");
        }
        String[] head = http.substring(0, end).split("\r\n");
        String[] statusLine = head[0].split(" ", 3);
        int status = Integer.parseInt(statusLine[1]);
        String reason = statusLine.length > 2 ? statusLine[2] : "";
        List<Header> headers = new ArrayList<>();
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            headers.add(new Header(head[i].substring(0, colon), head[i].substring(colon + 1).strip()));
        }
        String body = http.substring(end + 4);
        boolean chunked = headers.stream()
                .anyMatch(h -> h.is("Transfer-Encoding") && h.value().toLowerCase(Locale.ROOT).contains("chunked"));
        List<byte[]> chunks;
        if (chunked && RAW_CHUNK_START.matcher(body).lookingAt()) { // curl --raw: the framing is in the file
            try {
                chunks = new Input(new ByteArrayInputStream(body.getBytes(UTF_8)), null).readChunks();
            } catch (IOException e) {
                throw new IllegalArgumentException(resource + ": bad chunk framing", e);
            }
        } else {
            if (!timed && body.endsWith("\n")) {
                body = body.substring(0, body.length() - 1); // the recorder's newline after curl's output
            }
            chunks = Arrays.stream(body.split("(?<=\n)")).filter(l -> !l.isEmpty()).map(l -> l.getBytes(UTF_8))
                    .toList();
        }
        if (chunked) {
            return new Streamed(status, reason, List.copyOf(headers), delay, request -> chunks.iterator());
        }
        if (headers.stream().noneMatch(h -> h.is("Content-Length"))) {
            headers.add(new Header("Content-Length", ""));
        }
        return new Fixed(status, reason, List.copyOf(headers), body.getBytes(UTF_8));
    }

    // ---------------------------------------------------------------- helpers

    /** One line of n8n's AI Agent stream, with the trailing newline. */
    private static byte[] agentLine(String type, String content) {
        String metadata = "\"metadata\":{\"nodeId\":\"" + AGENT_NODE_ID + "\",\"nodeName\":\"AI Agent\","
                + "\"itemIndex\":0,\"runIndex\":0,\"timestamp\":" + System.currentTimeMillis() + "}";
        String fields = content == null ? "" : "\"content\":" + jsonString(content) + ",";
        return ("{\"type\":\"" + type + "\"," + fields + metadata + "}\n").getBytes(UTF_8);
    }

    /** An iterator whose elements are computed only when {@code next()} is called. */
    private static Iterator<byte[]> lazy(long count, LongFunction<byte[]> element) {
        return new Iterator<>() {
            private long next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return element.apply(next++);
            }
        };
    }

    /** Splits text into {@code parts} nearly equal consecutive pieces, never inside a surrogate pair. */
    private static List<String> split(String text, int parts) {
        int[] codePoints = text.codePoints().toArray();
        int n = Math.max(1, Math.min(parts, codePoints.length));
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int from = i * codePoints.length / n;
            int to = (i + 1) * codePoints.length / n;
            pieces.add(new String(codePoints, from, to - from));
        }
        return pieces;
    }

    /** The {@code chatInput} string of a JSON body, or "" when absent. */
    private static String chatInput(String json) {
        Matcher m = CHAT_INPUT.matcher(json);
        if (!m.find()) {
            return "";
        }
        String s = m.group(1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (i + 5 <= s.length() && s.substring(i + 1, i + 5).matches("[0-9a-fA-F]{4}")) {
                        out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    } else {
                        out.append("\\u"); // malformed: keep as sent
                    }
                }
                default -> out.append(e); // \" \\ \/
            }
        }
        return out.toString();
    }

    /** A JSON string literal as JavaScript's JSON.stringify writes it. */
    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Express's weak ETag: {@code W/"<hex length>-<first 27 chars of base64 sha1>"}. */
    private static String etag(byte[] body) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(body);
            return "W/\"" + Integer.toHexString(body.length) + "-"
                    + Base64.getEncoder().encodeToString(sha1).substring(0, 27) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Payload Too Large";
            case 422 -> "Unprocessable Entity";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Unknown";
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] result = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Buffered reading of one connection (or of a --raw transcript body when {@code socket} is null). */
    private static final class Input {
        private final InputStream raw;
        private final Socket socket;
        private byte[] buffer = new byte[8192];
        private int position;
        private int limit;

        Input(InputStream raw, Socket socket) {
            this.raw = raw;
            this.socket = socket;
        }

        /** Reads more bytes into the buffer; false at end of stream. */
        private boolean fill() throws IOException {
            if (position == limit) {
                position = 0;
                limit = 0;
            } else if (limit == buffer.length) {
                if (position > 0) {
                    System.arraycopy(buffer, position, buffer, 0, limit - position);
                    limit -= position;
                    position = 0;
                } else {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
            }
            int n = raw.read(buffer, limit, buffer.length - limit);
            if (n < 0) {
                return false;
            }
            limit += n;
            return true;
        }

        /** A line without CR LF (ISO-8859-1), or null at end of stream before any byte. */
        String readLine() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                if (position == limit && !fill()) {
                    if (line.isEmpty()) {
                        return null;
                    }
                    throw new EOFException("end of stream inside a line");
                }
                char c = (char) (buffer[position++] & 0xff);
                if (c == '\n') {
                    int len = line.length();
                    return len > 0 && line.charAt(len - 1) == '\r' ? line.substring(0, len - 1) : line.toString();
                }
                line.append(c);
            }
        }

        String requireLine() throws IOException {
            String line = readLine();
            if (line == null) {
                throw new EOFException("end of stream inside a request");
            }
            return line;
        }

        byte[] readExactly(int n) throws IOException {
            byte[] result = new byte[n];
            for (int copied = 0; copied < n;) {
                if (position == limit && !fill()) {
                    throw new EOFException("end of stream inside a body");
                }
                int count = Math.min(n - copied, limit - position);
                System.arraycopy(buffer, position, result, copied, count);
                position += count;
                copied += count;
            }
            return result;
        }

        /** Reads a chunked body up to and including the trailer section; returns the chunk payloads. */
        List<byte[]> readChunks() throws IOException {
            List<byte[]> chunks = new ArrayList<>();
            while (true) {
                String size = requireLine();
                int semicolon = size.indexOf(';');
                int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
                if (length == 0) {
                    while (!requireLine().isEmpty()) {
                        // skip trailers
                    }
                    return chunks;
                }
                chunks.add(readExactly(length));
                if (!requireLine().isEmpty()) {
                    throw new IOException("missing CRLF after chunk");
                }
            }
        }

        /** Waits up to {@code delay}; true if the peer closed the connection meanwhile (data is buffered). */
        boolean eofWithin(Duration delay) throws IOException {
            if (delay.isZero() || delay.isNegative()) {
                return false;
            }
            long deadline = System.nanoTime() + delay.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000)));
                    if (!fill()) {
                        return true;
                    }
                }
            } catch (SocketTimeoutException e) {
                return false;
            } finally {
                socket.setSoTimeout(0);
            }
        }

        /** Blocks until the peer closes the connection (or it breaks), discarding anything it sends. */
        void awaitEof() throws IOException {
            socket.setSoTimeout(0);
            while (fill()) {
                position = limit;
            }
        }
    }
}
