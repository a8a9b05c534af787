package io.chatproxy.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * The environment variables of a test server, built from the real parts a test uses: the fake n8n, a private
 * PostgreSQL database and Redis with a private key prefix; then the test's own settings, which win.
 */
public final class TestEnv {
    private final Map<String, String> env = new HashMap<>();

    /** An empty environment ({@link TestApp} adds its base settings when it starts). */
    public static TestEnv create() {
        return new TestEnv();
    }

    /** n8n is the fake's webhook. */
    public TestEnv n8n(FakeN8n n8n) {
        env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
        return this;
    }

    /** The database is the test's own PostgreSQL database. */
    public TestEnv postgres(PostgresDatabase database) {
        env.put("DATABASE_URL", database.url());
        return this;
    }

    /** Redis with the test's own key prefix. */
    public TestEnv redis(RedisServer redis) {
        env.put("REDIS_URL", redis.url());
        env.put("CHAT_PROXY_REDIS__KEY_PREFIX", redis.prefix());
        return this;
    }

    /**
     * Settings as name/value pairs.
     *
     * @param pairs name, value, name, value, ...
     * @return this
     */
    public TestEnv set(String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return this;
    }

    /** The variables. */
    public Map<String, String> map() {
        return new HashMap<>(env);
    }
}
