package io.chatproxy.chat;

import java.util.Map;

import io.chatproxy.testing.PostgresDatabase;

class ChatStreamPostgresTest extends ChatStreamContract {
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
