package io.chatproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reading what a stream delivered: event names, the text of its chunks, an event's JSON data.
 */
public final class Events {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Events() {
    }

    /** Event names, comma-separated, e.g. {@code start,chunk,end}. */
    public static String names(List<SseEvent> events) {
        return events.stream().map(SseEvent::event).collect(Collectors.joining(","));
    }

    /** The text of all chunk events, concatenated. */
    public static String text(List<SseEvent> events) {
        return events.stream().filter(e -> e.event().equals("chunk")).map(e -> json(e).get("content").asText())
                .collect(Collectors.joining());
    }

    /** An event's data as JSON. */
    public static JsonNode json(SseEvent event) {
        try {
            return JSON.readTree(event.data());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A whole response body as text. */
    public static String read(HttpResponse<InputStream> res) {
        try (InputStream in = res.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
