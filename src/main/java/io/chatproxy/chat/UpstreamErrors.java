package io.chatproxy.chat;

import java.util.Map;

import io.helidon.http.Status;

import io.chatproxy.upstream.UpstreamException;
import io.chatproxy.web.ApiException;

/**
 * What the browser is told when n8n cannot start an answer. n8n's own error bodies are never passed through: they can
 * hold internals (with NODE_ENV other than production, stack traces with server paths).
 */
final class UpstreamErrors {
    private static final System.Logger LOGGER = System.getLogger(UpstreamErrors.class.getName());

    private UpstreamErrors() {
    }

    private static String retryAfter(UpstreamException e) {
        return e instanceof UpstreamException.BreakerOpen open ? Long.toString(open.retryAfterSeconds()) : "5";
    }

    /**
     * The browser's error for an upstream failure. Visitors are never told which settings to check: hints for the
     * operator go to the log with the request id the visitor sees.
     *
     * @param e the failure
     * @param requestId the request's id, for the log
     * @return the error to answer
     */
    static ApiException toApi(UpstreamException e, String requestId) {
        Map<String, Object> details = e.status().isPresent()
                ? Map.of("upstream_status", e.status().getAsInt())
                : Map.of();
        return switch (e.kind()) {
            case BREAKER_OPEN -> new ApiException(Status.SERVICE_UNAVAILABLE_503, "upstream_unavailable",
                    "The chat workflow is failing: calls are paused for a moment",
                    Map.of("Retry-After", retryAfter(e)), details);
            case UNREACHABLE, CALL_FAILED -> new ApiException(Status.SERVICE_UNAVAILABLE_503, "upstream_unavailable",
                    "The chat workflow cannot be reached right now",
                    Map.of("Retry-After", "10"), details);
            case TIMEOUT -> new ApiException(Status.GATEWAY_TIMEOUT_504, "upstream_timeout",
                    "The chat workflow did not answer in time", Map.of(), details);
            case WORKFLOW_NOT_ACTIVE -> {
                LOGGER.log(System.Logger.Level.WARNING, "n8n answered 404 (request " + requestId
                        + "): activate the workflow or check N8N_WEBHOOK_URL");
                yield new ApiException(Status.BAD_GATEWAY_502, "upstream_error", "The chat workflow is not active",
                        Map.of(), details);
            }
            case CREDENTIALS_REFUSED -> {
                LOGGER.log(System.Logger.Level.WARNING, "n8n refused the proxy's credentials (request " + requestId
                        + "): check SESSION_SECRET_KEY, N8N_API_KEY, N8N_AUTH_HEADER_NAME and N8N_AUTH_HEADER_VALUE "
                        + "against the workflow's authentication");
                yield new ApiException(Status.BAD_GATEWAY_502, "upstream_error",
                        "The chat service is misconfigured: please try again later", Map.of(), details);
            }
            case ERROR_STATUS -> new ApiException(Status.BAD_GATEWAY_502, "upstream_error",
                    "The chat workflow failed", Map.of(), details);
        };
    }
}
