package io.chatproxy;

import java.util.ArrayList;
import java.util.List;

import io.helidon.webserver.http.Filter;

import io.chatproxy.web.ErrorResponses;
import io.chatproxy.web.JsonCodec;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The checks run as one filter: in order, and the request goes on only when every check let it. */
class CheckFiltersTest {
    private static final ErrorResponses ERRORS = new ErrorResponses(new JsonCodec());
    private final List<String> ran = new ArrayList<>();

    @Test
    void everyCheckRunsInOrderThenTheRequestGoesOn() {
        new CheckFilters(List.of(passing("a"), passing("b"), passing("c")), ERRORS)
                .filter(() -> ran.add("handler"), null, null);

        assertThat(ran, contains("a", "b", "c", "handler"));
    }

    @Test
    void aCheckThatAnswersStopsTheLaterChecksAndTheHandler() {
        new CheckFilters(List.of(passing("a"), answering("b"), passing("c")), ERRORS)
                .filter(() -> ran.add("handler"), null, null);

        assertThat(ran, contains("a", "b"));
    }

    @Test
    void aCheckThatThrowsStopsTheRest() {
        Filter refusing = (chain, req, res) -> {
            ran.add("refusing");
            throw new IllegalStateException("refused");
        };
        CheckFilters checks = new CheckFilters(List.of(refusing, passing("c")), ERRORS);

        assertThrows(IllegalStateException.class, () -> checks.filter(() -> ran.add("handler"), null, null));
        assertThat(ran, contains("refusing"));
    }

    private Filter passing(String name) {
        return (chain, req, res) -> {
            ran.add(name);
            chain.proceed();
        };
    }

    private Filter answering(String name) {
        return (chain, req, res) -> ran.add(name);
    }
}
