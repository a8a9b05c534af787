package io.chatproxy.session;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.chatproxy.testing.MutableClock;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class LocalSessionCacheTest {
    private final MutableClock clock = new MutableClock();
    private final LocalSessionCache cache = new LocalSessionCache(clock);

    @Test
    void aSessionPutAfterAMissIsServedUntilItExpires() {
        Session session = session("s1", Duration.ofMinutes(10));
        SessionCache.Lookup miss = cache.get("s1");
        assertThat(miss.session().isPresent(), is(false));

        cache.put(session, miss.version());

        assertThat(cache.get("s1").session(), is(Optional.of(session)));
        clock.advance(Duration.ofMinutes(11));
        assertThat(cache.get("s1").session().isPresent(), is(false));
    }

    @Test
    void aNewSessionIsServedFromItsCreationEvenAfterOtherEvictions() {
        cache.evict("someone-else");
        Session session = session("s1", Duration.ofMinutes(10));

        cache.putNew(session);

        assertThat(cache.get("s1").session(), is(Optional.of(session)));
    }

    @Test
    void anEvictionAfterALookupsCacheReadRefusesWhatThatLookupReadFromTheDatabase() {
        SessionCache.Lookup miss = cache.get("s1");
        Session readBeforeTheRevocation = session("s1", Duration.ofMinutes(10));
        cache.evict("s1"); // the revocation, between the lookup's database read and its put

        cache.put(readBeforeTheRevocation, miss.version());

        assertThat(cache.get("s1").session().isPresent(), is(false));
    }

    @Test
    void anEvictionRemovesACachedSession() {
        cache.putNew(session("s1", Duration.ofMinutes(10)));

        cache.evict("s1");

        assertThat(cache.get("s1").session().isPresent(), is(false));
    }

    @Test
    void aRevokedOrExpiredSessionIsNotCached() {
        Session active = session("s1", Duration.ofMinutes(10));
        Session revoked = new Session("s2", active.originDomain(), active.pageUrl(), active.fingerprint(),
                active.createdAt(), active.expiresAt(), Optional.of(clock.instant()));

        cache.putNew(revoked);
        cache.put(session("s3", Duration.ofSeconds(-1)), cache.get("s3").version());

        assertThat(cache.get("s2").session().isPresent(), is(false));
        assertThat(cache.get("s3").session().isPresent(), is(false));
    }

    @Test
    void itHoldsAtMostItsCapacityForgettingEverythingWhenFull() {
        for (int i = 0; i < LocalSessionCache.CAPACITY; i++) {
            cache.putNew(session("s" + i, Duration.ofMinutes(10)));
        }
        assertThat(cache.get("s0").session().isPresent(), is(true));

        cache.putNew(session("one-more", Duration.ofMinutes(10)));

        assertThat(cache.get("s0").session().isPresent(), is(false));
        assertThat(cache.get("s" + (LocalSessionCache.CAPACITY - 1)).session().isPresent(), is(false));
        assertThat(cache.get("one-more").session().isPresent(), is(true));
    }

    private Session session(String id, Duration life) {
        Instant now = clock.instant();
        return new Session(id, "shop.example.com", "https://shop.example.com/", "fp", now, now.plus(life),
                Optional.empty());
    }
}
