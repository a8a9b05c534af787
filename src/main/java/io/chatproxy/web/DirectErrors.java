package io.chatproxy.web;

import java.nio.charset.StandardCharsets;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

/**
 * JSON bodies for the errors Helidon answers before routing (a malformed request line, oversized headers or URL, a
 * body over the limit), so that these too are {@code {"error": {...}}} and never an HTML or plain-text page.
 */
public final class DirectErrors {
    private static final JsonCodec JSON = new JsonCodec();

    private DirectErrors() {
    }

    /** Handlers for every kind of early error. */
    public static DirectHandlers create() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, DirectErrors::handle);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse handle(DirectHandler.TransportRequest request,
            DirectHandler.EventType type,
            Status status,
            ServerResponseHeaders headers,
            String message) {
        Status actual = message != null && message.contains("Header size exceeded")
                ? Status.create(431, "Request Header Fields Too Large")
                : message != null && message.contains("URI too long") ? Status.REQUEST_URI_TOO_LONG_414 : status;
        StatusError error = StatusError.of(actual)
                .orElse(actual.code() >= 500 ? StatusError.INTERNAL_ERROR : StatusError.BAD_REQUEST);
        byte[] body = JSON.write(ErrorBody.beforeRouting(error)).getBytes(StandardCharsets.UTF_8);
        headers.set(HeaderNames.CONTENT_TYPE, "application/json");
        headers.set(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        headers.set(HeaderNames.CACHE_CONTROL, "no-store");
        headers.set(HeaderNames.create("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
        return DirectHandler.TransportResponse.builder()
                .status(actual)
                .headers(headers)
                .entity(body)
                .keepAlive(false)
                .build();
    }
}
