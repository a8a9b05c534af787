package io.chatproxy.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.HttpMediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Reads JSON request bodies strictly (content type, UTF-8, nesting depth, duplicate keys) and writes JSON answers.
 */
public final class JsonCodec {
    private static final int MAX_NESTING = 16;
    private final ObjectMapper mapper;
    private final int maxBodyBytes;

    /** Creates the codec with its strict mapper and the default 16 KiB body limit. */
    public JsonCodec() {
        this(16 * 1024);
    }

    /**
     * Creates the codec with its strict mapper.
     *
     * @param maxBodyBytes largest request body accepted
     */
    public JsonCodec(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        // Jackson's default buffer recycler is per thread, which recycles nothing when every request and every relayed
        // stream runs on a fresh virtual thread, and keeps 16 KB or more per live thread: one shared pool instead
        JsonFactory factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build();
        this.mapper = JsonMapper.builder(factory)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .build());
    }

    /** The shared mapper (for trees and for reading upstream bodies). */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Reads the request body as a JSON object.
     *
     * @param req the request
     * @return the object
     * @throws ApiException 415 for another content type, 400 for a body that is not a UTF-8 JSON object
     */
    public ObjectNode readObject(ServerRequest req) {
        HttpMediaType type = req.headers().contentType().orElse(null);
        if (type == null || !type.test(HttpMediaTypes.JSON_UTF_8.mediaType())) {
            throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported_media_type",
                    "Send the body as Content-Type: application/json");
        }
        if (type.charset().isPresent() && !type.charset().get().equalsIgnoreCase("utf-8")) {
            throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported_media_type",
                    "JSON bodies must be UTF-8");
        }
        if (req.headers().contentLength().orElse(0) > maxBodyBytes) {
            throw tooLarge();
        }
        return parseObject(readLimited(req));
    }

    private byte[] readLimited(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (var in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes(maxBodyBytes + 1);
            if (bytes.length > maxBodyBytes) {
                throw tooLarge();
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ApiException tooLarge() {
        return new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload_too_large",
                "The request body is larger than " + maxBodyBytes + " bytes");
    }

    /** Parses bytes as one JSON object, strictly. */
    public ObjectNode parseObject(byte[] bytes) {
        String text = strictUtf8(bytes);
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "The body is not valid JSON");
        }
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw ApiException.badRequest("invalid_json", "The body must be a JSON object");
    }

    /**
     * Sends a JSON answer.
     *
     * @param res response
     * @param status status
     * @param body record, map or tree
     */
    public void send(ServerResponse res, Status status, Object body) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise " + body.getClass().getName(), e);
        }
        res.status(status);
        res.headers().set(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(bytes);
    }

    /** Serialises to a JSON string (for SSE data lines). */
    public String write(Object body) {
        try {
            return mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise " + body.getClass().getName(), e);
        }
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("invalid_utf8", "The body is not valid UTF-8");
        }
    }
}
