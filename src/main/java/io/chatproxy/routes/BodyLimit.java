package io.chatproxy.routes;

/** How large a request body a route accepts. */
public enum BodyLimit {
    /** The route reads no body: any declared body is refused. */
    NO_BODY,
    /** A JSON body up to {@code security.max-body-bytes}. */
    JSON
}
