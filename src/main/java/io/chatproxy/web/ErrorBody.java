package io.chatproxy.web;

import io.chatproxy.tracing.Spans;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.helidon.webserver.http.ServerRequest;

/**
 * The one error body, {@code {"error": {"code", "message", ...details, "request_id"}}}. Every error answer is built
 * here; the protocols that wrap the error object in another envelope (the session check, the @n8n/chat drop-in) take
 * {@link #error()} from here.
 *
 * @param error the error object
 */
public record ErrorBody(ErrorObject error) {
    /**
     * The body of an error answered to a routed request (its code is recorded on the request's span).
     *
     * @param req the request (for its id)
     * @param e the error
     * @return the body
     */
    public static ErrorBody of(ServerRequest req, ApiException e) {
        Spans.errorCode(e.code());
        return new ErrorBody(new ErrorObject(e.code(), e.getMessage(), RequestIds.of(req), e.details()));
    }

    /** The body of an error Helidon answers before routing: there is no request id yet. */
    static ErrorBody beforeRouting(StatusError e) {
        return new ErrorBody(new ErrorObject(e.code(), e.message(), null, Map.of()));
    }

    /**
     * The error object.
     *
     * @param code stable machine-readable code
     * @param message human-readable message, safe to show to a visitor
     * @param requestId the request's id (absent before routing)
     * @param details extra fields of the error (for example {@code retry_after})
     */
    @JsonPropertyOrder({"code", "message", "request_id"})
    public record ErrorObject(String code,
            String message,
            @JsonProperty("request_id") @JsonInclude(JsonInclude.Include.NON_NULL) String requestId,
            @JsonIgnore Map<String, Object> details) {
        /** Creates the error object. */
        public ErrorObject {
            details = Map.copyOf(details);
        }

        /** The details, written as fields of the error object. */
        @JsonAnyGetter
        Map<String, Object> fields() {
            return details;
        }
    }
}
