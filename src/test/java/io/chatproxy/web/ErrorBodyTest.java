package io.chatproxy.web;

import java.util.Map;

import io.helidon.http.Status;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** The one error body, as the visitor's JSON reads it. */
class ErrorBodyTest {
    private final JsonCodec json = new JsonCodec();

    @Test
    void anErrorIsItsCodeMessageDetailsAndRequestId() {
        ErrorBody body = new ErrorBody(new ErrorBody.ErrorObject("rate_limited", "Too many requests", "req-1",
                Map.of("retry_after", 3)));

        assertThat(json.write(body), is("{\"error\":{\"code\":\"rate_limited\",\"message\":\"Too many requests\","
                + "\"request_id\":\"req-1\",\"retry_after\":3}}"));
    }

    @Test
    void anErrorBeforeRoutingHasNoRequestId() {
        assertThat(json.write(ErrorBody.beforeRouting(StatusError.HEADERS_TOO_LARGE)),
                is("{\"error\":{\"code\":\"headers_too_large\",\"message\":\"The request headers are too large\"}}"));
    }

    @Test
    void aStatusWithoutADeclaredErrorGetsACodeFromItsReasonPhrase() {
        ApiException e = StatusError.undeclared(Status.create(599, "Network Connect Timeout Error"));

        assertThat(e.code(), is("network_connect_timeout_error"));
        assertThat(e.getMessage(), is("Network Connect Timeout Error"));
    }
}
