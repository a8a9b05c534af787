package io.chatproxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parses an event stream as a browser does (per the SSE spec), recording when each event arrived and how many
 * comment lines (heartbeats) came.
 */
public final class SseReader implements AutoCloseable {
    private final BufferedReader reader;
    private int comments;

    /**
     * Reads from a response body.
     *
     * @param body the body
     */
    public SseReader(InputStream body) {
        this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next event, or empty at the end of the stream. */
    public Optional<SseEvent> next() {
        String id = null;
        String event = "message";
        StringBuilder data = null;
        try {
            for (String line; (line = reader.readLine()) != null;) {
                if (line.isEmpty()) {
                    if (data != null) {
                        return Optional.of(new SseEvent(id, event, data.toString(), System.nanoTime()));
                    }
                    continue;
                }
                if (line.startsWith(":")) {
                    comments++;
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "id" -> id = value;
                    case "event" -> event = value;
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    default -> {
                    }
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All remaining events. */
    public List<SseEvent> all() {
        List<SseEvent> events = new ArrayList<>();
        for (Optional<SseEvent> e = next(); e.isPresent(); e = next()) {
            events.add(e.get());
        }
        return events;
    }

    /** Comment lines seen so far. */
    public int comments() {
        return comments;
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException ignored) {
            // closing an aborted stream may fail; nothing to do
        }
    }
}
