package io.chatproxy.chat;

import io.chatproxy.testing.PostgresDatabase;

class MessageStorePostgresTest extends MessageStoreContract {
    private PostgresDatabase database;

    @Override
    String databaseUrl() {
        database = PostgresDatabase.create();
        return database.url();
    }

    @Override
    void dropDatabase() {
        database.close();
    }
}
