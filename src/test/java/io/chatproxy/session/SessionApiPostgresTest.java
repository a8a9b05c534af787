package io.chatproxy.session;

import java.util.Map;

import io.chatproxy.testing.PostgresDatabase;

class SessionApiPostgresTest extends SessionApiContract {
    private PostgresDatabase database;

    @Override
    Map<String, String> storeEnv() {
        database = PostgresDatabase.create();
        return Map.of("DATABASE_URL", database.url());
    }

    @Override
    void closeStore() {
        database.close();
    }
}
