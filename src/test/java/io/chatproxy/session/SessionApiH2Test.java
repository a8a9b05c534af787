package io.chatproxy.session;

import java.util.Map;

class SessionApiH2Test extends SessionApiContract {
    @Override
    Map<String, String> storeEnv() {
        return Map.of();
    }
}
