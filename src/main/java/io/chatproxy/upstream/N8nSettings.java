package io.chatproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.chatproxy.config.SettingsReader;

/**
 * How to reach n8n.
 *
 * @param webhookUrl the webhook; empty means the built-in demo upstream (DEBUG only)
 * @param apiKey sent as {@code X-N8N-API-KEY} when present
 * @param tokenTtl lifetime of the JWT sent with each call
 * @param connectTimeout longest wait for a TCP connection
 * @param firstByteTimeout longest wait for the first line of an answer
 * @param idleTimeout longest silence between lines once the answer has started
 * @param maxAnswerChars an answer is cut (and ends with an error) beyond this
 * @param maxLineBytes longest single line accepted from n8n
 * @param jwtAuth whether to send the Bearer JWT
 * @param authHeader a header to send for n8n's Header Auth (name and value), if configured
 */
public record N8nSettings(Optional<URI> webhookUrl,
        Optional<String> apiKey,
        Duration tokenTtl,
        Duration connectTimeout,
        Duration firstByteTimeout,
        Duration idleTimeout,
        int maxAnswerChars,
        int maxLineBytes,
        boolean jwtAuth,
        Optional<HeaderAuth> authHeader) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @param debug whether the demo upstream may stand in for a missing webhook URL
     * @return settings
     */
    public static N8nSettings read(SettingsReader r, boolean debug) {
        Optional<URI> url = r.httpUrl("n8n.webhook-url");
        if (url.isEmpty() && !debug) {
            throw SettingsReader.invalid("n8n.webhook-url", "is required (the built-in demo upstream only runs "
                    + "with DEBUG=true)");
        }
        int maxAnswer = r.integer("n8n.max-answer-chars", 100, 10_000_000);
        return new N8nSettings(url,
                r.optionalString("n8n.api-key"),
                r.duration("n8n.token-ttl"),
                r.duration("n8n.connect-timeout"),
                r.duration("n8n.first-byte-timeout"),
                r.duration("n8n.idle-timeout"),
                maxAnswer,
                Math.max(64 * 1024, maxAnswer * 4 + 4096),
                r.bool("n8n.jwt-auth"),
                authHeader(r));
    }

    private static Optional<HeaderAuth> authHeader(SettingsReader r) {
        Optional<String> name = r.optionalString("n8n.header-auth.name");
        Optional<String> value = r.optionalString("n8n.header-auth.value");
        if (name.isPresent() != value.isPresent()) {
            throw SettingsReader.invalid("n8n.header-auth.value", "and N8N_AUTH_HEADER_NAME must be set together");
        }
        if (name.isPresent() && !name.get().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            throw SettingsReader.invalid("n8n.header-auth.name", "is not a valid header name");
        }
        return name.map(n -> new HeaderAuth(n, value.get()));
    }

    /**
     * The header n8n's Header Auth checks.
     *
     * @param name header name
     * @param value header value (a secret)
     */
    public record HeaderAuth(String name, String value) {
        @Override
        public String toString() {
            return "HeaderAuth[name=" + name + ", value=***]";
        }
    }
}
