package io.chatproxy.session;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.AppInternals;
import io.chatproxy.persistence.Database;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * With the embedded database and no Redis, sessions are kept in the process's memory: a chat message is authenticated
 * without a database read, and a revocation still takes effect at once.
 */
class EmbeddedSessionCacheTest {
    private FakeN8n n8n;
    private TestApp app;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
        app = TestApp.start(TestEnv.create().n8n(n8n).map());
    }

    @AfterEach
    void stop() {
        app.close();
        n8n.close();
    }

    @Test
    void aSessionIsAuthenticatedFromMemoryFromItsCreationAndItsRevocationTakesEffectAtOnce() {
        Visitor visitor = app.visitor();
        visitor.createSession();
        Database database = AppInternals.database(app.app());
        // revoked behind the application's back: only a lookup that reads the database would refuse the session
        long revokedInTheRow = database.client().execute()
                .createUpdate("UPDATE sessions SET revoked_at = created_at WHERE id = ?")
                .addParam(visitor.sessionId()).execute();
        assertThat(revokedInTheRow, is(1L));

        assertThat(visitor.get("/api/v1/session/validate").status(), is(200));
        assertThat(visitor.chat("hello").isEmpty(), is(false));

        assertThat(visitor.delete("/api/v1/session").status(), is(200));
        assertThat(visitor.get("/api/v1/session/validate").status(), is(401));
    }
}
