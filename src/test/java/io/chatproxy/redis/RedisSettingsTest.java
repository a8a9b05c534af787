package io.chatproxy.redis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.chatproxy.config.ConfigurationException;
import io.chatproxy.config.SettingsReader;
import io.chatproxy.config.SettingsSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RedisSettingsTest {
    @TempDir
    Path dir;

    private RedisSettings read(Map<String, String> env) {
        return RedisSettings.read(new SettingsReader(SettingsSource.create(env, dir)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis://127.0.0.1:6379/0", "rediss://user:secret@redis.example.com:6380/2",
            "redis-sentinel://sentinel.example.com:26379/1#mymaster", "redis://:pw@localhost"})
    void acceptsTheUriFormsLettuceParses(String url) {
        RedisSettings settings = read(Map.of("REDIS_URL", url));

        assertThat(settings.url().orElseThrow(), is(url));
        RedisURI.create(url);
    }

    @Test
    void lettuceReadsHostDatabaseAndTlsAndHidesThePassword() {
        RedisURI uri = RedisURI.create("rediss://app-user:s3cret@redis.example.com:6380/2");

        assertThat(uri.isSsl(), is(true));
        assertThat(uri.getDatabase(), is(2));
        assertThat(uri.getHost(), is("redis.example.com"));
        assertThat(uri.getPort(), is(6380));
        assertThat(uri.toString().contains("s3cret"), is(false));
        assertThat(RedisURI.create("redis-sentinel://s1:26379/0#mymaster").getSentinelMasterId(), is("mymaster"));
    }

    @Test
    void refusesOtherSchemes() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> read(Map.of("REDIS_URL", "http://redis:6379")));

        assertThat(e.getMessage(), containsString("REDIS_URL"));
    }

    @Test
    void refusesUnknownFailureMode() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> read(
                Map.of("CHAT_PROXY_RATE_LIMIT__ON_REDIS_FAILURE", "panic")));

        assertThat(e.getMessage(), containsString("local, allow or deny"));
    }

    @Test
    void defaults() {
        RedisSettings settings = read(Map.of());

        assertThat(settings.url().isPresent(), is(false));
        assertThat(settings.onFailure(), is(RedisSettings.FailureMode.LOCAL));
        assertThat(settings.keyPrefix(), is("chat-proxy:"));
        assertThat(settings.replicas(), is(3));
    }

    @Test
    void failoverFollowingDefaultsComeFromAppYamlAndEachCanBeSet() {
        assertThat(read(Map.of()).recovery(), is(new RedisSettings.Recovery(Duration.ofMillis(200), 1,
                Duration.ofMillis(500), Duration.ofSeconds(10))));

        RedisSettings.Recovery set = read(Map.of("CHAT_PROXY_REDIS__RECONNECT_MAX_DELAY", "PT0.1S",
                "CHAT_PROXY_REDIS__TOPOLOGY_REFRESH__RECONNECT_ATTEMPTS", "2",
                "CHAT_PROXY_REDIS__TOPOLOGY_REFRESH__MIN_INTERVAL", "PT0.25S",
                "CHAT_PROXY_REDIS__TOPOLOGY_REFRESH__PERIOD", "PT30S")).recovery();

        assertThat(set, is(new RedisSettings.Recovery(Duration.ofMillis(100), 2, Duration.ofMillis(250),
                Duration.ofSeconds(30))));
    }

    @Test
    void refusesAReconnectAttemptsTriggerBelowOne() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> read(
                Map.of("CHAT_PROXY_REDIS__TOPOLOGY_REFRESH__RECONNECT_ATTEMPTS", "0")));

        assertThat(e.getMessage(), containsString("redis.topology-refresh.reconnect-attempts"));
    }
}
