package io.chatproxy.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.chatproxy.upstream.UpstreamException;
import io.chatproxy.web.ApiException;
import io.chatproxy.web.ErrorBody;
import io.chatproxy.web.JsonCodec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/** What a visitor reads when n8n cannot answer: never the name of a setting; the operator's hint is in the log. */
class UpstreamErrorsTest {
    private static final Pattern ENV_VAR = Pattern.compile("\\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\\b");

    private final Logger logger = Logger.getLogger(UpstreamErrors.class.getName());
    private final List<String> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        logger.addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        logger.removeHandler(capture);
    }

    @ParameterizedTest
    @EnumSource(UpstreamException.Kind.class)
    void noVisitorErrorBodyNamesASetting(UpstreamException.Kind kind) {
        ApiException e = UpstreamErrors.toApi(failure(kind), "req-1");
        String body = new JsonCodec().write(new ErrorBody(new ErrorBody.ErrorObject(e.code(), e.getMessage(),
                "req-1", e.details())));

        assertThat(body, ENV_VAR.matcher(body).find(), is(false));
    }

    @Test
    void refusedCredentialsTellTheOperatorWhichSettingsToCheckInTheLogWithTheRequestId() {
        ApiException e = UpstreamErrors.toApi(failure(UpstreamException.Kind.CREDENTIALS_REFUSED), "req-7");

        assertThat(e.status().code(), is(502));
        assertThat(e.getMessage(), is("The chat service is misconfigured: please try again later"));
        assertThat(logged.size(), is(1));
        assertThat(logged.getFirst(), containsString("req-7"));
        assertThat(logged.getFirst(), containsString("N8N_API_KEY"));
        assertThat(logged.getFirst(), containsString("SESSION_SECRET_KEY"));
    }

    @Test
    void anInactiveWorkflowTellsTheOperatorTheWebhookSettingInTheLog() {
        UpstreamErrors.toApi(failure(UpstreamException.Kind.WORKFLOW_NOT_ACTIVE), "req-8");

        assertThat(logged, hasItem(containsString("N8N_WEBHOOK_URL")));
        assertThat(logged, hasItem(containsString("req-8")));
    }

    private static UpstreamException failure(UpstreamException.Kind kind) {
        return switch (kind) {
            case UNREACHABLE -> new UpstreamException.Unreachable("refused");
            case BREAKER_OPEN -> new UpstreamException.BreakerOpen(5);
            case WORKFLOW_NOT_ACTIVE -> new UpstreamException(kind, OptionalInt.of(404), "404");
            case CREDENTIALS_REFUSED -> new UpstreamException(kind, OptionalInt.of(401), "401");
            case ERROR_STATUS -> new UpstreamException(kind, OptionalInt.of(500), "500");
            default -> new UpstreamException(kind, OptionalInt.empty(), kind.name());
        };
    }
}
