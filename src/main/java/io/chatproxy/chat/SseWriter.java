package io.chatproxy.chat;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
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
        return event("start", null, new Start(messageId, sessionId));
    }

    @Override
    public boolean chunks(String messageId, int firstSeq, List<String> texts) {
        // the hot path: the same bytes as event("chunk", ..., {"content": text}) per chunk, without a map and a JSON
        // generator, all in one write; each text quoted into an array appended at once (quoting into the builder
        // appends char by char: three times slower for a 64-character chunk)
        StringBuilder events = batch();
        for (int i = 0; i < texts.size(); i++) {
            events.append("id: ").append(messageId).append(':').append(firstSeq + i)
                    .append("\nevent: chunk\ndata: {\"content\":\"");
            events.append(QUOTER.quoteAsString(texts.get(i)));
            events.append("\"}\n\n");
        }
        return writeBatch();
    }

    /** A replayed finished answer whose chunks are no longer known: the whole text, replacing what was shown. */
    boolean snapshot(String messageId, String text) {
        return event("chunk", messageId + ":full", new Snapshot(text, true));
    }

    @Override
    public boolean end(String messageId) {
        return event("end", null, new End(messageId, "stop"));
    }

    @Override
    public boolean error(String code, String message) {
        return event("error", null, new Failure(code, message));
    }

    @Override
    public boolean heartbeat() {
        return write(": ping\n\n");
    }

    private boolean event(String name, String id, Object data) {
        StringBuilder text = new StringBuilder(64);
        if (id != null) {
            text.append("id: ").append(id).append('\n');
        }
        text.append("event: ").append(name).append('\n').append("data: ").append(json.write(data)).append("\n\n");
        return write(text.toString());
    }

    private record Start(@JsonProperty("message_id") String messageId, @JsonProperty("session_id") String sessionId) {
    }

    private record Snapshot(String content, boolean replace) {
    }

    private record End(@JsonProperty("message_id") String messageId,
            @JsonProperty("finish_reason") String finishReason) {
    }

    private record Failure(String code, String message) {
    }
}
