package io.chatproxy.chat;

import java.util.Map;

class ChatStreamH2Test extends ChatStreamContract {
    @Override
    Map<String, String> storeEnv() {
        return Map.of();
    }
}
