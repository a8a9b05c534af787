package io.chatproxy.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads an n8n webhook answer, which arrives as {@code application/json} either way:
 * <ul>
 *     <li>streaming: one JSON object per line with a {@code type} of begin, item, end, error or keepalive; only
 *     {@code item} carries text; several begin/item/end groups (one per streaming node) are concatenated; an
 *     {@code error} line ends the answer (n8n sends no {@code end} after it, sometimes no content);</li>
 *     <li>non-streaming: one JSON document such as {@code {"output": "..."}}, {@code [{"output": "..."}]} or
 *     {@code {"text": "..."}}.</li>
 * </ul>
 * The first non-blank line decides: an object with a known {@code type} means a stream. An empty body means the
 * workflow produced no answer, which is reported as a failure rather than as an empty success.
 */
final class N8nAnswerReader {
    private static final Set<String> STREAM_TYPES = Set.of("begin", "item", "end", "error", "keepalive");
    private static final String[] ANSWER_FIELDS = {"output", "text", "response", "answer", "message", "content"};

    private final LineReader lines;
    private final ObjectMapper mapper;
    private final int maxAnswerChars;
    private final Deque<AnswerEvent> pending = new ArrayDeque<>();
    private final StringBuilder document = new StringBuilder();
    private Mode mode = Mode.UNDECIDED;
    private int answerChars;

    N8nAnswerReader(InputStream body, ObjectMapper mapper, int maxLineBytes, int maxAnswerChars) {
        this(body, body, mapper, maxLineBytes, maxAnswerChars);
    }

    /**
     * Reads an answer.
     *
     * @param body the answer's body
     * @param readiness tells through {@link InputStream#available()} whether the next read of {@code body} returns
     *        without waiting for the network (see {@link #poll()}): {@code body} itself, or the raw body beneath it
     * @param mapper JSON mapper
     * @param maxLineBytes longest line
     * @param maxAnswerChars longest answer; it is cut beyond
     */
    N8nAnswerReader(InputStream body, InputStream readiness, ObjectMapper mapper, int maxLineBytes,
            int maxAnswerChars) {
        this.lines = new LineReader(body, readiness, maxLineBytes);
        this.mapper = mapper;
        this.maxAnswerChars = maxAnswerChars;
    }

    /**
     * The next event, waiting for it.
     *
     * @return the event, or empty at the normal end of the answer
     * @throws IOException when the connection fails (including a read timeout or an abort)
     */
    Optional<AnswerEvent> next() throws IOException {
        return read(true);
    }

    /**
     * The next event if it is already here, skipping the lines without text (begin, end, keepalive) that are: never
     * waits for the network.
     *
     * @return the event, or empty when none is buffered (or the answer ended: {@link #next()} tells)
     * @throws IOException when the connection fails
     */
    Optional<AnswerEvent> poll() throws IOException {
        return read(false);
    }

    private Optional<AnswerEvent> read(boolean wait) throws IOException {
        while (pending.isEmpty()) {
            if (mode == Mode.DONE) {
                return Optional.empty();
            }
            Optional<LineReader.Line> line;
            try {
                line = wait ? lines.next() : lines.poll();
            } catch (CharacterCodingException e) {
                fail("upstream_malformed", "The answer could not be read (invalid UTF-8)");
                continue;
            } catch (LineReader.LineTooLongException e) {
                fail("upstream_malformed", "The answer could not be read (a line was too long)");
                continue;
            }
            if (line.isPresent()) {
                accept(line.get());
            } else if (wait) {
                endOfBody();
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(pending.poll());
    }

    private void accept(LineReader.Line line) {
        if (line.text().isBlank()) {
            return;
        }
        switch (mode) {
            case UNDECIDED -> {
                JsonNode node = parseOrNull(line.text());
                if (node != null && node.isObject() && STREAM_TYPES.contains(node.path("type").asText())) {
                    mode = Mode.STREAM;
                    streamLine(node);
                } else {
                    mode = Mode.DOCUMENT;
                    collectDocument(line.text());
                }
            }
            case STREAM -> {
                StreamLine parsed = parseStreamLine(line);
                if (parsed == null) {
                    fail("upstream_malformed", "The answer could not be read (malformed line)");
                } else {
                    streamLine(parsed.type(), parsed.content());
                }
            }
            default -> collectDocument(line.text());
        }
    }

    private void streamLine(JsonNode node) {
        JsonNode content = node.get("content");
        streamLine(node.path("type").asText(), content != null && content.isTextual() ? content.textValue() : null);
    }

    private void streamLine(String type, String content) {
        switch (type) {
            case "item" -> {
                if (content != null && !content.isEmpty()) {
                    text(content);
                }
            }
            case "error" -> fail("upstream_error", "The workflow failed while answering");
            default -> {
                // begin, end and keepalive carry no text: several groups simply follow each other
            }
        }
    }

    private void collectDocument(String line) {
        document.append(line).append('\n');
        if (document.length() > maxAnswerChars * 2L + 4096) {
            fail("answer_too_long", "The answer was too long");
        }
    }

    private void endOfBody() {
        if (mode == Mode.DOCUMENT) {
            JsonNode node = parseOrNull(document.toString());
            Optional<String> answer = node == null ? Optional.empty() : answerText(node);
            if (answer.isPresent() && !answer.get().isEmpty()) {
                text(answer.get());
            } else if (answer.isPresent() || node == null) {
                fail("upstream_malformed", "The workflow's answer could not be read");
            } else {
                fail("empty_answer", "The workflow returned no answer");
            }
        } else if (mode == Mode.UNDECIDED) {
            fail("empty_answer", "The workflow returned no answer");
        }
        mode = Mode.DONE;
    }

    /** The text of a non-streaming answer: a string, or the first known field of an object or first array item. */
    private static Optional<String> answerText(JsonNode node) {
        if (node.isTextual()) {
            return Optional.of(node.textValue());
        }
        if (node.isArray()) {
            return node.isEmpty() ? Optional.empty() : answerText(node.get(0));
        }
        if (node.isObject()) {
            for (String field : ANSWER_FIELDS) {
                JsonNode value = node.get(field);
                if (value != null && value.isTextual()) {
                    return Optional.of(value.textValue());
                }
            }
            JsonNode json = node.get("json");
            if (json != null && json.isObject()) {
                return answerText(json);
            }
        }
        return Optional.empty();
    }

    private void text(String content) {
        int room = maxAnswerChars - answerChars;
        if (content.length() > room) {
            if (room > 0) {
                pending.add(new AnswerEvent.Text(content.substring(0, room)));
                answerChars = maxAnswerChars;
            }
            fail("answer_too_long", "The answer was too long and was cut");
            return;
        }
        answerChars += content.length();
        pending.add(new AnswerEvent.Text(content));
    }

    private void fail(String code, String message) {
        pending.add(new AnswerEvent.Failure(code, message));
        mode = Mode.DONE;
    }

    /**
     * Reads the type and the text of a stream line without building a tree (the hot path: one per chunk), skipping
     * the metadata; null when the line is not one JSON object.
     */
    private StreamLine parseStreamLine(LineReader.Line line) {
        // from the bytes: Jackson's UTF-8 parser takes two thirds of the time of its parser of text
        try (JsonParser parser = mapper.createParser(line.bytes(), 0, line.length())) {
            // the metadata is skipped, not read: looking for duplicate names in it was a sixth of the parse; the two
            // fields read are still refused twice
            parser.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String type = "";
            String content = null;
            boolean typeSeen = false;
            boolean contentSeen = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("type")) {
                    if (typeSeen) {
                        return null;
                    }
                    typeSeen = true;
                    type = value == JsonToken.VALUE_STRING ? parser.getText() : "";
                } else if (field.equals("content")) {
                    if (contentSeen) {
                        return null;
                    }
                    contentSeen = true;
                    content = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return parser.nextToken() == null ? new StreamLine(type, content) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private record StreamLine(String type, String content) {
    }

    private JsonNode parseOrNull(String text) {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private enum Mode {
        UNDECIDED, STREAM, DOCUMENT, DONE
    }
}
