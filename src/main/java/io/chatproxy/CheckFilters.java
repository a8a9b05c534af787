package io.chatproxy;

import java.util.List;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Runs filters that only check or decorate a request before it goes on (each ends with {@code chain.proceed()} or
 * answers without proceeding) one after the other, as one filter. Registered one by one, each would stay on the
 * stack for the whole request: Helidon nests filters three frames deep apiece, and a streamed answer's virtual thread
 * keeps that stack, frozen, for as long as the stream is open (measured: 76 frames while a relay waits for n8n, 18 of
 * them these filters). A filter that must wrap what follows ({@code try/finally} around {@code proceed()}, like
 * admission) does not belong here.
 */
final class CheckFilters implements Filter {
    private final List<Filter> checks;

    CheckFilters(List<Filter> checks) {
        this.checks = List.copyOf(checks);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        for (Filter check : checks) {
            Passed passed = new Passed();
            check.filter(passed, req, res);
            if (!passed.proceeded) {
                return;
            }
        }
        chain.proceed();
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
