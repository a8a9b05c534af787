package io.chatproxy;

import java.util.List;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import io.chatproxy.web.ApiException;
import io.chatproxy.web.ErrorResponses;

/**
 * Runs filters that only check or decorate a request before it goes on (each ends with {@code chain.proceed()} or
 * answers without proceeding) one after the other, as one filter. Registered one by one, each would stay on the
 * stack for the whole request: Helidon nests filters three frames deep apiece, and a streamed answer's virtual thread
 * keeps that stack, frozen, for as long as the stream is open (measured: 76 frames while a relay waits for n8n, 18 of
 * them these filters). A filter that must wrap what follows ({@code try/finally} around {@code proceed()}, like
 * admission) does not belong here.
 *
 * <p>A refusal thrown by a check, or by a filter after these (admission), is answered here rather than left to the
 * routing's error handler: Helidon's access log wraps every filter and records the status as it stands when the
 * exception passes it, so a 503 from admission or the drain would otherwise be logged as {@code 200 0}.
 */
final class CheckFilters implements Filter {
    private final List<Filter> checks;
    private final ErrorResponses errors;

    CheckFilters(List<Filter> checks, ErrorResponses errors) {
        this.checks = List.copyOf(checks);
        this.errors = errors;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        try {
            for (Filter check : checks) {
                Passed passed = new Passed();
                check.filter(passed, req, res);
                if (!passed.proceeded) {
                    return;
                }
            }
            chain.proceed();
        } catch (ApiException refused) {
            if (res.isSent()) {
                throw refused;
            }
            errors.send(req, res, refused);
        }
    }

    /** The chain a check is given: proceeding only records that the request may go on. */
    private static final class Passed implements FilterChain {
        private boolean proceeded;

        @Override
        public void proceed() {
            proceeded = true;
        }
    }
}
