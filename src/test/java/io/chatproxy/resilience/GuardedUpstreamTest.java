package io.chatproxy.resilience;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.chatproxy.config.SettingsReader;
import io.chatproxy.config.SettingsSource;
import io.chatproxy.security.ThreatVerdict;
import io.chatproxy.upstream.AnswerEvent;
import io.chatproxy.upstream.AnswerStream;
import io.chatproxy.upstream.Upstream;
import io.chatproxy.upstream.UpstreamException;
import io.chatproxy.upstream.UpstreamRequest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GuardedUpstreamTest {
    private static final UpstreamRequest REQUEST = new UpstreamRequest("s", "https://a.example", "hi", "a.example", "",
            "m", "r", ThreatVerdict.NONE, "");

    @TempDir
    Path dir;

    private ResilienceSettings settings() {
        return ResilienceSettings.read(new SettingsReader(SettingsSource.create(
                Map.of("CHAT_PROXY_RESILIENCE__CONNECT_RETRY_DELAY", "PT0.01S"), dir)));
    }

    @Test
    void refusedConnectionIsRetriedOnce() {
        AtomicInteger calls = new AtomicInteger();
        Upstream flaky = upstream(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new UpstreamException.Unreachable("refused");
            }
            return empty();
        });

        new GuardedUpstream(flaky, settings()).open(REQUEST);

        assertThat(calls.get(), is(2));
    }

    @Test
    void refusedTwiceGivesUp() {
        AtomicInteger calls = new AtomicInteger();
        Upstream down = upstream(() -> {
            calls.incrementAndGet();
            throw new UpstreamException.Unreachable("refused");
        });

        assertThrows(UpstreamException.class, () -> new GuardedUpstream(down, settings()).open(REQUEST));
        assertThat(calls.get(), is(2));
    }

    @Test
    void otherFailuresAreNeverRetried() {
        AtomicInteger calls = new AtomicInteger();
        Upstream failing = upstream(() -> {
            calls.incrementAndGet();
            throw new UpstreamException(UpstreamException.Kind.TIMEOUT, OptionalInt.empty(), "slow");
        });

        UpstreamException e = assertThrows(UpstreamException.class,
                () -> new GuardedUpstream(failing, settings()).open(REQUEST));
        assertThat(e.kind(), is(UpstreamException.Kind.TIMEOUT));
        assertThat(calls.get(), is(1));
    }

    @Test
    void aCallThatFailedAfterConnectingIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        Upstream failing = upstream(() -> {
            calls.incrementAndGet();
            throw new UpstreamException(UpstreamException.Kind.CALL_FAILED, OptionalInt.empty(), "reset");
        });

        UpstreamException e = assertThrows(UpstreamException.class,
                () -> new GuardedUpstream(failing, settings()).open(REQUEST));
        assertThat(e.kind(), is(UpstreamException.Kind.CALL_FAILED));
        assertThat(calls.get(), is(1));
    }

    @Test
    void theRetriedKindExistsOnlyAsTheRetriedException() {
        assertThat(new UpstreamException.Unreachable("refused").kind(), is(UpstreamException.Kind.UNREACHABLE));
        assertThrows(IllegalArgumentException.class,
                () -> new UpstreamException(UpstreamException.Kind.UNREACHABLE, OptionalInt.empty(), "refused"));
    }

    @Test
    void openBreakerFailsWithoutCalling() {
        AtomicInteger calls = new AtomicInteger();
        Upstream failing = upstream(() -> {
            calls.incrementAndGet();
            throw new UpstreamException(UpstreamException.Kind.ERROR_STATUS, OptionalInt.of(500), "500");
        });
        GuardedUpstream guarded = new GuardedUpstream(failing, settings());
        for (int i = 0; i < 10; i++) {
            assertThrows(UpstreamException.class, () -> guarded.open(REQUEST));
        }
        int before = calls.get();

        UpstreamException e = assertThrows(UpstreamException.class, () -> guarded.open(REQUEST));

        assertThat(e, instanceOf(UpstreamException.BreakerOpen.class));
        assertThat(calls.get(), is(before));
        assertThat(guarded.breakerState(), is("open"));
    }

    private static AnswerStream empty() {
        return new AnswerStream() {
            @Override
            public Optional<AnswerEvent> next() {
                return Optional.empty();
            }

            @Override
            public void close() {
            }
        };
    }

    private static Upstream upstream(java.util.function.Supplier<AnswerStream> open) {
        return new Upstream() {
            @Override
            public AnswerStream open(UpstreamRequest request) {
                return open.get();
            }

            @Override
            public String description() {
                return "test";
            }
        };
    }
}
