package io.chatproxy.chat;

import java.util.UUID;

class MessageStoreH2Test extends MessageStoreContract {
    @Override
    String databaseUrl() {
        return "jdbc:h2:mem:messages-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }
}
