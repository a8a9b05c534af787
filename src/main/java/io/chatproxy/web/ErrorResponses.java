package io.chatproxy.web;

import java.lang.System.Logger.Level;

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
        json.send(res, e.status(), ErrorBody.of(req, e));
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
        send(req, res, StatusError.of(status).map(s -> s.toException(status))
                .orElseGet(() -> StatusError.undeclared(status)));
    }

    private void unexpected(ServerRequest req, ServerResponse res, Throwable e) {
        LOGGER.log(Level.ERROR, "Unexpected failure on " + req.prologue().method().text() + " "
                + req.path().path() + " (request " + RequestIds.of(req) + ")", e);
        send(req, res, StatusError.INTERNAL_ERROR.toException(Status.INTERNAL_SERVER_ERROR_500));
    }
}
