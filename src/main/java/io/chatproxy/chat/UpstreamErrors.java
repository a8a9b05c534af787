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
    private UpstreamErrors() {
    }

    private static String retryAfter(UpstreamException e) {
        return e instanceof UpstreamException.BreakerOpen open ? Long.toString(open.retryAfterSeconds()) : "5";
    }

    static ApiException toApi(UpstreamException e) {
        Map<String, Object> details = e.status().isPresent()
                ? Map.of("upstream_status", e.status().getAsInt())
                : Map.of();
        return switch (e.kind()) {
            case BREAKER_OPEN -> new ApiException(Status.SERVICE_UNAVAILABLE_503, "upstream_unavailable",
                    "The chat workflow is failing: calls are paused for a moment",
                    Map.of("Retry-After", retryAfter(e)), details);
            case UNREACHABLE -> new ApiException(Status.SERVICE_UNAVAILABLE_503, "upstream_unavailable",
                    "The chat workflow cannot be reached right now",
                    Map.of("Retry-After", "10"), details);
            case TIMEOUT -> new ApiException(Status.GATEWAY_TIMEOUT_504, "upstream_timeout",
                    "The chat workflow did not answer in time", Map.of(), details);
            case WORKFLOW_NOT_ACTIVE -> new ApiException(Status.BAD_GATEWAY_502, "upstream_error",
                    "The chat workflow is not active (n8n answered 404: "
                            + "activate the workflow or check N8N_WEBHOOK_URL)",
                    Map.of(), details);
            case CREDENTIALS_REFUSED -> new ApiException(Status.BAD_GATEWAY_502, "upstream_error",
                    "n8n refused the proxy's credentials (check "
                            + "SESSION_SECRET_KEY, N8N_API_KEY, N8N_AUTH_HEADER_NAME and N8N_AUTH_HEADER_VALUE "
                            + "against the workflow's authentication)",
                    Map.of(), details);
            case ERROR_STATUS -> new ApiException(Status.BAD_GATEWAY_502, "upstream_error",
                    "The chat workflow failed", Map.of(), details);
        };
    }
}
