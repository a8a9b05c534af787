package io.chatproxy.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.ThreatVerdict;

/**
 * Calls the n8n webhook the way its Chat Trigger expects ({@code action}, {@code sessionId}, {@code chatInput},
 * {@code metadata}), authenticated by a 30-second HS256 JWT that n8n's Webhook JWT auth verifies.
 */
public final class N8nWebhookUpstream implements Upstream {
    private static final System.Logger LOGGER = System.getLogger(N8nWebhookUpstream.class.getName());

    private final URI webhook;
    private final N8nSettings settings;
    private final JwtCodec tokens;
    private final ObjectMapper mapper;
    private final WebClient client;
    private final ChunkedBody.Capture bodies = new ChunkedBody.Capture();

    /**
     * Creates the upstream.
     *
     * @param settings n8n settings (webhook URL present)
     * @param tokens signs the per-call token with SESSION_SECRET_KEY
     * @param mapper JSON mapper
     */
    public N8nWebhookUpstream(N8nSettings settings, JwtCodec tokens, ObjectMapper mapper) {
        this.webhook = settings.webhookUrl().orElseThrow();
        this.settings = settings;
        this.tokens = tokens;
        this.mapper = mapper;
        this.client = WebClient.builder()
                .connectTimeout(settings.connectTimeout())
                // Bounds the wait for the status line; the relay's watchdog enforces the finer limits afterwards.
                .readTimeout(max(settings.firstByteTimeout(), settings.idleTimeout()).plusSeconds(1))
                .followRedirects(false)
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                // no write buffer: it would stay allocated as long as the connection lives (one per open stream),
                // and is of no use here: the client gathers a request's line, headers and body in one buffer of its
                // own and hands it over in one write
                .writeBufferSize(0)
                .addService(bodies)
                .build();
    }

    @Override
    public AnswerStream open(UpstreamRequest request) {
        byte[] body = body(request);
        HttpClientResponse response;
        try {
            var call = client.post()
                    .uri(webhook)
                    .header(HeaderNames.CONTENT_TYPE, "application/json")
                    .header(HeaderNames.ACCEPT, "application/json, application/x-ndjson")
                    .header(HeaderNames.create("X-Request-Id"), request.requestId());
            if (settings.jwtAuth()) {
                call.header(HeaderNames.AUTHORIZATION, "Bearer " + tokens.sign(
                        request.sessionId(), settings.tokenTtl(), Map.of("origin", request.origin()),
                        Optional.of(UUID.randomUUID().toString())));
            }
            settings.authHeader().ifPresent(h -> call.header(HeaderNames.create(h.name()), h.value()));
            settings.apiKey().ifPresent(key -> call.header(HeaderNames.create("X-N8N-API-KEY"), key));
            if (!request.traceparent().isEmpty()) {
                call.header(HeaderNames.create("traceparent"), request.traceparent());
            }
            response = call.submit(body);
        } catch (RuntimeException e) {
            var unused = bodies.take();
            throw connectFailure(e);
        }
        Optional<ChunkedBody> raw = bodies.take();
        Status status = response.status();
        if (status.family() != Status.Family.SUCCESSFUL) {
            response.close();
            throw statusFailure(status);
        }
        InputStream answer = response.inputStream();
        return new WebhookAnswer(response, new N8nAnswerReader(answer, raw.<InputStream>map(b -> b).orElse(answer),
                mapper, settings.maxLineBytes(), settings.maxAnswerChars()));
    }

    @Override
    public String description() {
        return "n8n webhook " + webhook.getScheme() + "://" + webhook.getHost()
                + (webhook.getPort() == -1 ? "" : ":" + webhook.getPort()) + webhook.getPath();
    }

    private byte[] body(UpstreamRequest request) {
        Metadata metadata = new Metadata(request.originDomain(), request.pageUrl(), request.messageId(),
                request.requestId(), request.threat().suspicious() ? request.threat() : null);
        try {
            return mapper.writeValueAsBytes(new WebhookBody("sendMessage", request.sessionId(), request.message(),
                    metadata));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What n8n's Chat Trigger reads. */
    record WebhookBody(String action, String sessionId, String chatInput, Metadata metadata) {
    }

    /** The {@code metadata} object: {@code threat} only when a rule matched. */
    record Metadata(@JsonProperty("origin_domain") String originDomain,
            @JsonProperty("page_url") String pageUrl,
            @JsonProperty("message_id") String messageId,
            @JsonProperty("request_id") String requestId,
            @JsonInclude(JsonInclude.Include.NON_NULL) ThreatVerdict threat) {
    }

    private static UpstreamException connectFailure(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return new UpstreamException(UpstreamException.Kind.TIMEOUT, OptionalInt.empty(),
                        "n8n did not answer in time");
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return new UpstreamException.Unreachable("n8n unreachable: " + t.getMessage());
            }
        }
        LOGGER.log(System.Logger.Level.WARNING, "n8n call failed", e);
        return new UpstreamException(UpstreamException.Kind.CALL_FAILED, OptionalInt.empty(),
                "n8n call failed: " + e.getClass().getSimpleName());
    }

    private static UpstreamException statusFailure(Status status) {
        UpstreamException.Kind kind = switch (status.code()) {
            case 404 -> UpstreamException.Kind.WORKFLOW_NOT_ACTIVE;
            case 401, 403 -> UpstreamException.Kind.CREDENTIALS_REFUSED;
            default -> UpstreamException.Kind.ERROR_STATUS;
        };
        return new UpstreamException(kind, OptionalInt.of(status.code()), "n8n answered " + status.code());
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static final class WebhookAnswer implements AnswerStream {
        private final HttpClientResponse response;
        private final N8nAnswerReader reader;
        private final AtomicBoolean closed = new AtomicBoolean();

        private WebhookAnswer(HttpClientResponse response, N8nAnswerReader reader) {
            this.response = response;
            this.reader = reader;
        }

        @Override
        public Optional<AnswerEvent> next() {
            return read(true);
        }

        @Override
        public Optional<AnswerEvent> poll() {
            return read(false);
        }

        private Optional<AnswerEvent> read(boolean wait) {
            try {
                return wait ? reader.next() : reader.poll();
            } catch (IOException | UncheckedIOException e) {
                return Optional.of(lost());
            } catch (RuntimeException e) {
                // Helidon reports a broken chunked body as a runtime exception of its own.
                return Optional.of(lost());
            }
        }

        private AnswerEvent lost() {
            return closed.get()
                    ? new AnswerEvent.Failure("aborted", "The answer was stopped")
                    : new AnswerEvent.Failure("upstream_lost", "The connection to the workflow was lost");
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                response.close();
            }
        }
    }
}
