package io.chatproxy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A stand-in for n8n on a loopback port for the warm-up: its Webhook node in "Streaming" response mode answers every
 * message with chunked NDJSON, {@code begin}, a few {@code item}s, {@code end}, as n8n writes them.
 */
final class LocalN8n implements AutoCloseable {
    private static final int ITEMS = 8;
    private static final String NODE = "\"metadata\":{\"nodeId\":\"7d1e2f3a-0000-4000-8000-00000000a001\","
            + "\"nodeName\":\"AI Agent\",\"itemIndex\":0,\"runIndex\":0,\"timestamp\":";

    private final WebServer server;

    private LocalN8n(WebServer server) {
        this.server = server;
    }

    /** Starts it on a free loopback port. */
    static LocalN8n start() {
        return new LocalN8n(WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .shutdownHook(false)
                .routing(r -> r.post("/webhook/chat", LocalN8n::answer))
                .build()
                .start());
    }

    /** The webhook's URL. */
    URI webhookUrl() {
        return URI.create("http://127.0.0.1:" + server.port() + "/webhook/chat");
    }

    private static void answer(ServerRequest req, ServerResponse res) {
        req.content().consume();
        res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        try (OutputStream out = res.outputStream()) {
            line(out, "{\"type\":\"begin\"," + NODE + System.currentTimeMillis() + "}}");
            for (int i = 0; i < ITEMS; i++) {
                line(out, "{\"type\":\"item\",\"content\":\"Part " + i + " of a warm-up answer. \"," + NODE
                        + System.currentTimeMillis() + "}}");
            }
            line(out, "{\"type\":\"end\"," + NODE + System.currentTimeMillis() + "}}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void line(OutputStream out, String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        server.stop();
    }
}
