package io.chatproxy.chat;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.web.JsonCodec;

/**
 * n8n's own streaming format, for the {@code @n8n/chat} widget: one JSON object per line, {@code begin}, one
 * {@code item} per chunk, then {@code end}; an {@code error} line on failure; {@code keepalive} lines while idle.
 */
final class NdjsonWriter extends StreamingWriter {
    private static final JsonStringEncoder QUOTER = JsonStringEncoder.getInstance();

    private final JsonCodec json;

    NdjsonWriter(ServerResponse res, JsonCodec json) {
        super(res, "application/json; charset=utf-8");
        this.json = json;
    }

    @Override
    public boolean start(String messageId, String sessionId) {
        return line("begin", null, messageId);
    }

    @Override
    public boolean chunks(String messageId, int firstSeq, List<String> texts) {
        // the hot path: the same bytes as line("item", text, messageId) per chunk, without a record and a JSON
        // generator, all in one write; texts quoted as in SseWriter, the answer's id once for the batch
        char[] nodeId = QUOTER.quoteAsString(messageId);
        StringBuilder lines = batch();
        for (String text : texts) {
            lines.append("{\"type\":\"item\",\"content\":\"");
            lines.append(QUOTER.quoteAsString(text));
            lines.append("\",\"metadata\":{\"nodeId\":\"");
            lines.append(nodeId);
            lines.append("\",\"nodeName\":\"chat-proxy\"}}\n");
        }
        return writeBatch();
    }

    @Override
    public boolean end(String messageId) {
        return line("end", null, messageId);
    }

    @Override
    public boolean error(String code, String message) {
        return line("error", message, "proxy");
    }

    @Override
    public boolean heartbeat() {
        return write("{\"type\":\"keepalive\"}\n");
    }

    private boolean line(String type, String content, String nodeId) {
        return write(json.write(new Line(type, content, new Metadata(nodeId, "chat-proxy"))) + "\n");
    }

    /** One line; {@code content} only on {@code item} and {@code error} lines. */
    private record Line(String type, @JsonInclude(JsonInclude.Include.NON_NULL) String content, Metadata metadata) {
    }

    private record Metadata(String nodeId, String nodeName) {
    }
}
