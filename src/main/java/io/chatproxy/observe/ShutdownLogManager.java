package io.chatproxy.observe;

import java.util.logging.LogManager;

/**
 * The JDK's LogManager closes every handler in its own shutdown hook, which runs at the same time as ours: the drain's
 * lines and the access log of requests answered while draining would be lost. This manager ignores that one reset
 * (handlers stay open until the process ends, and the console handler flushes each record); every other reset, such
 * as a configuration reload, behaves as usual. {@link io.chatproxy.Main} selects it before anything logs (not from
 * here: calling a static method of this class would initialise LogManager first).
 */
public final class ShutdownLogManager extends LogManager {
    @Override
    public void reset() {
        if (Thread.currentThread().getClass().getName().equals(LogManager.class.getName() + "$Cleaner")) {
            return;
        }
        super.reset();
    }
}
