package io.chatproxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.chatproxy.AppSettings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AppSettingsTest {
    private static final String KEY_A = "a-secret-that-is-long-enough-0123456789";
    private static final String KEY_B = "another-secret-long-enough-0123456789ab";

    @TempDir
    Path dir;

    private Map<String, String> production() {
        Map<String, String> env = new HashMap<>();
        env.put("JWT_SECRET_KEY", KEY_A);
        env.put("SESSION_SECRET_KEY", KEY_B);
        env.put("N8N_WEBHOOK_URL", "https://n8n.example.com/webhook/chat");
        return env;
    }

    private AppSettings read(Map<String, String> env) {
        return AppSettings.read(SettingsSource.create(env, dir));
    }

    private String error(Map<String, String> env) {
        return assertThrows(ConfigurationException.class, () -> read(env)).getMessage();
    }

    @Test
    void defaultsAreSafeAndComplete() {
        AppSettings settings = read(production());

        assertThat(settings.port(), is(8000));
        assertThat(settings.debug(), is(false));
        assertThat(settings.database().url().postgres(), is(false));
        assertThat(settings.database().url().jdbcUrl(), containsString("jdbc:h2:file:./data/"));
        assertThat(settings.redis().url().isPresent(), is(false));
        assertThat(settings.session().cookieName(), is("chat_session_id"));
        assertThat(settings.security().algorithm(), is("HS256"));
        assertThat(settings.rateLimits().sessionPerMinute(), is(20));
        assertThat(settings.chat().heartbeat().toSeconds(), is(15L));
    }

    @Test
    void environmentOverridesYaml() {
        Map<String, String> env = production();
        env.put("SERVER_PORT", "9001");
        env.put("RATE_LIMIT_PER_MINUTE", "7");
        env.put("SESSION_COOKIE_NAME", "my_cookie");
        env.put("CHAT_PROXY_CHAT__HEARTBEAT_INTERVAL", "PT5S");

        AppSettings settings = read(env);

        assertThat(settings.port(), is(9001));
        assertThat(settings.rateLimits().ipPerMinute(), is(7));
        assertThat(settings.session().cookieName(), is("my_cookie"));
        assertThat(settings.chat().heartbeat().toSeconds(), is(5L));
    }

    @Test
    void dotEnvIsReadBelowRealEnvironment() throws IOException {
        Files.writeString(dir.resolve(".env"), "SERVER_PORT=7001\nAPP_NAME=from-dotenv\n# comment\n");
        Map<String, String> env = production();
        env.put("SERVER_PORT", "7002");

        AppSettings settings = read(env);

        assertThat(settings.port(), is(7002));
        assertThat(settings.name(), is("from-dotenv"));
    }

    @Test
    void appYamlInWorkingDirectoryOverridesPackagedDefaults() throws IOException {
        Files.writeString(dir.resolve("app.yaml"), "chat:\n  max-message-length: 123\n");

        assertThat(read(production()).chat().maxMessageLength(), is(123));
    }

    @Test
    void portOutOfRangeNamesTheVariable() {
        Map<String, String> env = production();
        env.put("SERVER_PORT", "99999");

        assertThat(error(env), is("SERVER_PORT (server.port) must be between 0 and 65535, was 99999"));
    }

    @Test
    void nonNumericLimitNamesTheVariable() {
        Map<String, String> env = production();
        env.put("RATE_LIMIT_PER_HOUR", "lots");

        assertThat(error(env), containsString("RATE_LIMIT_PER_HOUR"));
        assertThat(error(env), containsString("whole number"));
    }

    @Test
    void malformedWebhookUrlNamesTheVariable() {
        Map<String, String> env = production();
        env.put("N8N_WEBHOOK_URL", "not a url");

        assertThat(error(env), containsString("N8N_WEBHOOK_URL"));
    }

    @Test
    void demoUpstreamIsRefusedWithoutDebug() {
        Map<String, String> env = production();
        env.remove("N8N_WEBHOOK_URL");

        String message = error(env);

        assertThat(message, containsString("N8N_WEBHOOK_URL"));
        assertThat(message, containsString("DEBUG=true"));
    }

    @Test
    void demoUpstreamIsAllowedInDebug() {
        Map<String, String> env = production();
        env.remove("N8N_WEBHOOK_URL");
        env.put("DEBUG", "true");

        assertThat(read(env).n8n().webhookUrl().isPresent(), is(false));
    }

    @Test
    void missingKeysStopProduction() {
        Map<String, String> env = production();
        env.remove("JWT_SECRET_KEY");

        assertThat(error(env), containsString("JWT_SECRET_KEY"));
    }

    @Test
    void shortKeyIsRefusedAndNotEchoed() {
        Map<String, String> env = production();
        env.put("SESSION_SECRET_KEY", "short-secret");

        String message = error(env);

        assertThat(message, containsString("SESSION_SECRET_KEY"));
        assertThat(message, not(containsString("short-secret")));
    }

    @Test
    void theExampleKeysOfTheKubernetesSecretAreRefused() throws IOException {
        for (String line : Files.readAllLines(Path.of("k8s/secret.example.yaml"))) {
            String trimmed = line.trim();
            if (trimmed.startsWith("JWT_SECRET_KEY:") || trimmed.startsWith("SESSION_SECRET_KEY:")) {
                String name = trimmed.substring(0, trimmed.indexOf(':'));
                String value = trimmed.substring(trimmed.indexOf(':') + 1).trim().replace("\"", "");
                Map<String, String> env = production();
                env.put(name, value);

                String message = error(env);

                assertThat(message, containsString(name));
                assertThat(message, containsString("placeholder"));
                assertThat(message, not(containsString(value)));
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "0123456789abcdef0123456789abcdef0123456789abcdef",
            "0101010110101010011010011001011010101001",
            "abcdefgabcdefgaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "changeme-please-to-a-long-random-secret"})
    void lowEntropyKeysAreRefusedWithTheSettingsName(String key) {
        Map<String, String> env = production();
        env.put("JWT_SECRET_KEY", key);

        String message = error(env);

        assertThat(message, containsString("JWT_SECRET_KEY"));
        assertThat(message, not(containsString(key)));
    }

    @Test
    void randomKeysAreAccepted() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            Map<String, String> env = production();
            env.put("JWT_SECRET_KEY", java.util.Base64.getEncoder().encodeToString(bytes));
            byte[] hex = new byte[24];
            random.nextBytes(hex);
            env.put("SESSION_SECRET_KEY", java.util.HexFormat.of().formatHex(hex));

            read(env);
        }
    }

    @Test
    void sameKeyForBothTokensIsRefused() {
        Map<String, String> env = production();
        env.put("SESSION_SECRET_KEY", KEY_A);

        assertThat(error(env), containsString("must differ"));
    }

    @Test
    void debugGeneratesMissingKeys() {
        Map<String, String> env = new HashMap<>();
        env.put("DEBUG", "true");

        AppSettings settings = read(env);

        assertThat(settings.security().generatedKeys(), is(true));
        assertThat(settings.security().sessionKey().secret().length, is(32));
    }

    @Test
    void unknownAlgorithmIsRefused() {
        Map<String, String> env = production();
        env.put("JWT_ALGORITHM", "none");

        assertThat(error(env), containsString("JWT_ALGORITHM"));
    }

    @Test
    void badOriginIsRefused() {
        Map<String, String> env = production();
        env.put("ALLOWED_ORIGINS", "https://ok.example.com,https://bad.example.com/path");

        assertThat(error(env), containsString("ALLOWED_ORIGINS"));
    }

    @Test
    void badBooleanIsRefused() {
        Map<String, String> env = production();
        env.put("DEBUG", "maybe");

        assertThat(error(env), containsString("DEBUG (app.debug) must be true or false"));
    }

    @Test
    void publicViewHoldsNoSecrets() {
        Map<String, String> env = production();
        env.put("DATABASE_URL", "postgresql://chat:pa55word@db.internal:5432/chat");

        String view = read(env).publicView().toString();

        assertThat(view, not(containsString("pa55word")));
        assertThat(view, not(containsString(KEY_A)));
        assertThat(view, not(containsString("db.internal")));
    }
}
