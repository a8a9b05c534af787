package io.chatproxy.web;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

import io.helidon.http.Status;

/**
 * The errors answered for a bare HTTP status (no route, wrong method, a request Helidon refuses before routing),
 * each with its code and message declared once, whichever path answers it.
 */
public enum StatusError {
    /** 400. */
    BAD_REQUEST(400, "bad_request", "The request could not be understood"),
    /** 403 before routing. */
    FORBIDDEN(403, "forbidden", "The request could not be understood"),
    /** 404. */
    NOT_FOUND(404, "not_found", "No such endpoint"),
    /** 405. */
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "This endpoint does not accept that method"),
    /** 413. */
    PAYLOAD_TOO_LARGE(413, "payload_too_large", "The request body is too large"),
    /** 414. */
    URI_TOO_LONG(414, "uri_too_long", "The request URL is too long"),
    /** 415. */
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", "Unsupported Media Type"),
    /** 431. */
    HEADERS_TOO_LARGE(431, "headers_too_large", "The request headers are too large"),
    /** 500, and any failure we did not foresee. */
    INTERNAL_ERROR(500, "internal_error", "Something went wrong on our side"),
    /** 505. */
    HTTP_VERSION_NOT_SUPPORTED(505, "http_version_not_supported", "The request could not be understood");

    private final int status;
    private final String code;
    private final String message;

    StatusError(int status, String code, String message) {
        this.status = status;
        this.code = code;
        this.message = message;
    }

    /** The declared error for a status, if there is one. */
    public static Optional<StatusError> of(Status status) {
        return Arrays.stream(values()).filter(e -> e.status == status.code()).findFirst();
    }

    /**
     * The error for a status with no declared one: a code derived from the reason phrase, which is the message.
     *
     * @param status the status
     * @return an exception carrying the code and message
     */
    public static ApiException undeclared(Status status) {
        return new ApiException(status,
                status.reasonPhrase().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_"), status.reasonPhrase());
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }

    /** The stable code. */
    public String code() {
        return code;
    }

    /** The visitor's message. */
    public String message() {
        return message;
    }

    /** This error as an exception answered with its status. */
    public ApiException toException(Status actual) {
        return new ApiException(actual, code, message);
    }
}
