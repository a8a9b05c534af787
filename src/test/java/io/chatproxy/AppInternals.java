package io.chatproxy;

import io.chatproxy.chat.ActiveStreams;
import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.Sweeper;
import io.chatproxy.resilience.Admission;
import io.chatproxy.routes.RouteTable;

/** The test fixture's view into a running {@link ChatProxy}: the parts tests inspect, which the application hides. */
public final class AppInternals {
    private AppInternals() {
    }

    /** Admission per route group. */
    public static Admission admission(ChatProxy app) {
        return app.internals().admission();
    }

    /** Every route and its guards. */
    public static RouteTable routes(ChatProxy app) {
        return app.internals().routes();
    }

    /** The database sweeper (tests run it directly). */
    public static Sweeper sweeper(ChatProxy app) {
        return app.internals().persistence().sweeper();
    }

    /** The database. */
    public static Database database(ChatProxy app) {
        return app.internals().persistence().database();
    }

    /** Streams open now. */
    public static ActiveStreams activeStreams(ChatProxy app) {
        return app.internals().activeStreams();
    }
}
