package io.chatproxy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.chatproxy.testing.TestApp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** The warm-up runs visitors' conversations against a throwaway copy: the real database, n8n and metrics see none. */
class WarmUpTest {
    @TempDir
    Path dir;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(TestApp.baseEnv());
        env.put("DATABASE_URL", "jdbc:h2:file:" + dir.resolve("data/chat-proxy"));
        // nothing listens here: a warm-up that called the configured n8n would fail
        env.put("N8N_WEBHOOK_URL", "http://127.0.0.1:9/webhook/chat");
        return env;
    }

    @Test
    void conversationsRunAgainstACopyAndLeaveNothingInTheDatabaseOrTheMetrics() {
        WarmUp.Result result = new WarmUp(new WarmUpSettings(40, Duration.ofMinutes(1)), env(), dir).run();

        assertThat(result.failure(), is(""));
        assertThat(result.conversations(), greaterThanOrEqualTo(40));
        try (TestApp app = TestApp.start(env())) {
            assertThat(count(app, "sessions"), is(0L));
            assertThat(count(app, "chat_messages"), is(0L));
            String metrics = app.visitor().get("/observe/metrics").body();
            assertThat(metrics, not(containsString("chat_sessions_created")));
            assertThat(metrics, not(containsString("chat_streams_started")));
        }
    }

    @Test
    void aWarmUpThatFailsEndsEarlyAndSaysWhyWithoutStoppingTheStart() {
        Map<String, String> env = env();
        env.put("CHAT_PROXY_CHAT__MAX_MESSAGE_LENGTH", "5"); // every warm-up question is longer: 400

        WarmUp.Result result = new WarmUp(new WarmUpSettings(40, Duration.ofMinutes(1)), env, dir).run();

        assertThat(result.conversations(), is(0));
        assertThat(result.failure(), containsString("400"));
    }

    private static long count(TestApp app, String table) {
        try (var rows = AppInternals.database(app.app()).client().execute()
                .query("SELECT count(*) AS n FROM " + table)) {
            return rows.findFirst().orElseThrow().column("n").get(Long.class);
        }
    }
}
