package io.chatproxy.chat;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import io.helidon.webserver.http.ServerResponse;

import io.chatproxy.web.JsonCodec;

/**
 * Server-Sent Events written straight to the response stream. Helidon's {@code SseSink} would force
 * {@code Cache-Control: no-cache}; the {@code no-transform} sent here keeps compressing proxies from buffering.
 * Events: {@code start}, {@code chunk} (id {@code <message_id>:<seq>}), {@code end} or {@code error}; {@code : ping}
 * comments keep the connection alive.
 */
final class SseWriter extends StreamingWriter {
    private static final JsonStringEncoder QUOTER = JsonStringEncoder.getInstance();

    private final JsonCodec json;

    SseWriter(ServerResponse res, JsonCodec json) {
        super(res, "text/event-stream; charset=utf-8");
        this.json = json;
    }

    @Override
    public boolean start(String messageId, String sessionId) {
        return event("start", null, ordered("message_id", messageId, "session_id", sessionId));
    }

    @Override
    public boolean chunk(String messageId, int seq, String text) {
        // the hot path: the same bytes as event("chunk", ..., {"content": text}) without a map and a JSON generator
        StringBuilder event = new StringBuilder(text.length() + messageId.length() + 48);
        event.append("id: ").append(messageId).append(':').append(seq).append("\nevent: chunk\ndata: {\"content\":\"");
        QUOTER.quoteAsString(text, event);
        return write(event.append("\"}\n\n").toString());
    }

    /** A replayed finished answer whose chunks are no longer known: the whole text, replacing what was shown. */
    boolean snapshot(String messageId, String text) {
        return event("chunk", messageId + ":full", ordered("content", text, "replace", true));
    }

    @Override
    public boolean end(String messageId) {
        return event("end", null, ordered("message_id", messageId, "finish_reason", "stop"));
    }

    @Override
    public boolean error(String code, String message) {
        return event("error", null, ordered("code", code, "message", message));
    }

    @Override
    public boolean heartbeat() {
        return write(": ping\n\n");
    }

    private boolean event(String name, String id, Map<String, ?> data) {
        StringBuilder text = new StringBuilder(64);
        if (id != null) {
            text.append("id: ").append(id).append('\n');
        }
        text.append("event: ").append(name).append('\n').append("data: ").append(json.write(data)).append("\n\n");
        return write(text.toString());
    }

    private static Map<String, Object> ordered(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
