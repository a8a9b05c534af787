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
        String code = switch (actual.code()) {
            case 400 -> "bad_request";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 403 -> "forbidden";
            case 505 -> "http_version_not_supported";
            default -> actual.code() >= 500 ? "internal_error" : "bad_request";
        };
        String text = switch (code) {
            case "payload_too_large" -> "The request body is too large";
            case "headers_too_large" -> "The request headers are too large";
            case "uri_too_long" -> "The request URL is too long";
            case "internal_error" -> "Something went wrong on our side";
            default -> "The request could not be understood";
        };
        String body = "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + text + "\"}}";
        headers.set(HeaderNames.CONTENT_TYPE, "application/json");
        headers.set(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        headers.set(HeaderNames.CACHE_CONTROL, "no-store");
        headers.set(HeaderNames.create("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
        return DirectHandler.TransportResponse.builder()
                .status(actual)
                .headers(headers)
                .entity(body.getBytes(StandardCharsets.UTF_8))
                .keepAlive(false)
                .build();
    }
}
