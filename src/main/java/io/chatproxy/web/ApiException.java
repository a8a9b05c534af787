package io.chatproxy.web;

import java.util.Map;

import io.helidon.http.Status;

/**
 * An error the API answers with a JSON body {@code {"error": {"code", "message"}}} and the given status.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Status status;
    private final String code;
    private final transient Map<String, String> headers;
    private final transient Map<String, Object> details;

    /**
     * Creates an error.
     *
     * @param status HTTP status
     * @param code stable machine-readable code, snake_case
     * @param message human-readable message, safe to show to a visitor
     * @param headers extra response headers (for example Retry-After)
     * @param details extra fields of the error object
     */
    public ApiException(Status status, String code, String message, Map<String, String> headers,
            Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
        this.details = Map.copyOf(details);
    }

    /** An error with no extra headers or fields. */
    public ApiException(Status status, String code, String message) {
        this(status, code, message, Map.of(), Map.of());
    }

    /** 400 with a code. */
    public static ApiException badRequest(String code, String message) {
        return new ApiException(Status.BAD_REQUEST_400, code, message);
    }

    /** 401 with a code. */
    public static ApiException unauthorized(String code, String message) {
        return new ApiException(Status.UNAUTHORIZED_401, code, message);
    }

    /** 403 with a code. */
    public static ApiException forbidden(String code, String message) {
        return new ApiException(Status.FORBIDDEN_403, code, message);
    }

    /** 404 with a code. */
    public static ApiException notFound(String code, String message) {
        return new ApiException(Status.NOT_FOUND_404, code, message);
    }

    /** 503 with a code and a Retry-After in seconds. */
    public static ApiException unavailable(String code, String message, long retryAfterSeconds) {
        return new ApiException(Status.SERVICE_UNAVAILABLE_503, code, message,
                Map.of("Retry-After", Long.toString(retryAfterSeconds)), Map.of());
    }

    /** HTTP status of the answer. */
    public Status status() {
        return status;
    }

    /** Machine-readable code. */
    public String code() {
        return code;
    }

    /** Extra response headers. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Extra fields of the error object. */
    public Map<String, Object> details() {
        return details;
    }
}
