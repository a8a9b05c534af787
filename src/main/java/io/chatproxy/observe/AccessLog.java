package io.chatproxy.observe;

import io.chatproxy.tracing.TracingFilter;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.accesslog.AccessLogFeature;
import io.helidon.webserver.accesslog.HostLogEntry;
import io.helidon.webserver.accesslog.RequestLineLogEntry;
import io.helidon.webserver.accesslog.SizeLogEntry;
import io.helidon.webserver.accesslog.StatusLogEntry;
import io.helidon.webserver.accesslog.TimeTakenLogEntry;
import io.helidon.webserver.accesslog.TimestampLogEntry;

/**
 * The access log, one line per request on the {@code io.helidon.webserver.AccessLog} logger:
 * {@code <client> [<time>] "<method> <path> <protocol>" <status> <bytes> <micros>us rid=<request id> trace=<trace id>}.
 * It never holds bodies, cookies or tokens.
 */
public final class AccessLog {
    private AccessLog() {
    }

    /** The access-log feature for the web server. */
    public static AccessLogFeature feature() {
        return AccessLogFeature.builder()
                .addEntry(HostLogEntry.create())
                .addEntry(TimestampLogEntry.create())
                .addEntry(RequestLineLogEntry.create())
                .addEntry(StatusLogEntry.create())
                .addEntry(SizeLogEntry.create())
                .addEntry(TimeTakenLogEntry.create())
                .addEntry(context -> "rid=" + context.serverResponse().headers()
                        .first(HeaderNames.create("X-Request-Id")).orElse("-"))
                .addEntry(context -> "trace=" + TracingFilter.traceId(context.serverRequest()))
                .build();
    }
}
