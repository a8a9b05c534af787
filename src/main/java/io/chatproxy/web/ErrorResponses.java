package io.chatproxy.web;

import io.chatproxy.tracing.Spans;

import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Turns every failure in routing into {@code {"error": {"code", "message", "request_id"}}} with the right status,
 * never a stack trace.
 */
public final class ErrorResponses {
    private static final System.Logger LOGGER = System.getLogger(ErrorResponses.class.getName());
    private final JsonCodec json;

    /**
     * Creates the error mapper.
     *
     * @param json codec for the bodies
     */
    public ErrorResponses(JsonCodec json) {
        this.json = json;
    }

    /** Registers the error handlers on a routing. */
    public void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, this::api)
                .error(HttpException.class, this::http)
                .error(Throwable.class, this::unexpected);
    }

    /**
     * Sends an error body directly (for code that answers errors without throwing).
     *
     * @param req request
     * @param res response
     * @param e the error
     */
    public void send(ServerRequest req, ServerResponse res, ApiException e) {
        e.headers().forEach((name, value) -> res.headers().set(HeaderNames.create(name), value));
        json.send(res, e.status(), body(req, e.code(), e.getMessage(), e.details()));
    }

    private void api(ServerRequest req, ServerResponse res, ApiException e) {
        send(req, res, e);
    }

    private void http(ServerRequest req, ServerResponse res, HttpException e) {
        Status status = e.status();
        if (status.code() < 400) {
            // not an error: static content answers 304 Not Modified this way; keep its headers, send no body
            res.status(status).send();
            return;
        }
        json.send(res, status, body(req, codeFor(status), messageFor(status), Map.of()));
    }

    private void unexpected(ServerRequest req, ServerResponse res, Throwable e) {
        LOGGER.log(Level.ERROR, "Unexpected failure on " + req.prologue().method().text() + " "
                + req.path().path() + " (request " + RequestIds.of(req) + ")", e);
        json.send(res, Status.INTERNAL_SERVER_ERROR_500,
                body(req, "internal_error", "Something went wrong on our side", Map.of()));
    }

    private static Map<String, Object> body(ServerRequest req, String code, String message,
            Map<String, Object> details) {
        Spans.errorCode(code);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.putAll(details);
        error.put("request_id", RequestIds.of(req));
        return Map.of("error", error);
    }

    private static String codeFor(Status status) {
        return switch (status.code()) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            default -> status.reasonPhrase().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        };
    }

    private static String messageFor(Status status) {
        return switch (status.code()) {
            case 404 -> "No such endpoint";
            case 405 -> "This endpoint does not accept that method";
            case 413 -> "The request body is too large";
            default -> status.reasonPhrase();
        };
    }
}
